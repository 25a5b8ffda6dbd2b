"""Incidents: the lifecycle, the models, the services that open and change them."""
