"""HubSpot: contacts, companies and deals through the official hubspot-api-client."""
