"""The counter window (柜台端界面): PySide6 widgets and Qt item models; talks to services, never to SQLAlchemy."""
