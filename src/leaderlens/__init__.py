"""leaderlens: political leaders in history books, their tone and their company."""

__version__ = "0.1.0"
