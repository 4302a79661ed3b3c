"""The OAuth2 authorization server (on oauthlib) and the /api/oauth surface."""
