"""One router per resource, mounted in tidewatch.web.app.create_app."""
