-- 0003 item-specific fields (事项专属信息, catalogue format 2): what a payment was for.
-- details_json holds the event body's non-personal details (operator, year, card tail); details_pii_json
-- the item's personal values (number topped up, account number, insured person), purged with the rest.

ALTER TABLE case_view ADD COLUMN details_json TEXT;
ALTER TABLE case_view ADD COLUMN details_pii_json TEXT;
