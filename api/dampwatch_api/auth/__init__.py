"""Who is calling: passwords, tokens, API keys, login rate limits and the principal."""
