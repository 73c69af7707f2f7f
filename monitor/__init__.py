"""partner-monitor: watches campaign partner pages for broken links and content changes."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/partner-monitor/partner-monitor"
