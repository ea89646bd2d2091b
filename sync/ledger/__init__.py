"""The ledger model (台账模型): catalogue, validation, events, case lifecycle, points and the hash chain."""
