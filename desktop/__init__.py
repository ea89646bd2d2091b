"""The counter app (柜台端) used by the agent (代办员) at a village agent point (代办点)."""
