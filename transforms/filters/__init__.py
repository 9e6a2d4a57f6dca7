"""Document quality filters; see base.py for the runner and FilterConfig."""
