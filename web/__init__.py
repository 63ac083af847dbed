"""BHARATPOL web layer: Flask app, blueprints per module, REST API."""
