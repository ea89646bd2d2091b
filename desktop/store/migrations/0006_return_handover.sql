-- 0005 handing a return mailing over (部门回寄交群众): when it reached the point (已到代办点), when and to whom
-- it was handed (已交群众: the villager, or a named family member whose name is personal data like a
-- recipient's), and whether the villager signed the printed slip (领取单). Projection columns, rebuilt from
-- the mailing.arrived and mailing.handed_over events.

ALTER TABLE mailing_view ADD COLUMN arrived_at VARCHAR;
ALTER TABLE mailing_view ADD COLUMN handed_at VARCHAR;
ALTER TABLE mailing_view ADD COLUMN handed_date VARCHAR;
ALTER TABLE mailing_view ADD COLUMN receiver VARCHAR;
ALTER TABLE mailing_view ADD COLUMN receiver_name VARCHAR;
ALTER TABLE mailing_view ADD COLUMN signed BOOLEAN;
