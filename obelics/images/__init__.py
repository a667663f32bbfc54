"""Images: URL rules, the internal-address guard, downloading (over obelics.io.http), node filters and hashes."""
