"""The demo catalogue as data files (TOML) and their loader; ``shop.catalog.demo`` seeds them."""
