"""tidewatch: find people-smuggling adverts online, get them removed, map the networks behind them."""

__version__ = "0.1.0"
