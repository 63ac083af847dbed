"""Processes pages (being built)."""

from flask import Blueprint

bp = Blueprint("processes", __name__, url_prefix="/processes")
