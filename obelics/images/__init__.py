"""Images: URL rules, the internal-address guard, downloading with img2dataset, node filters and hashes."""
