"""FINESS register: number checks and the official open-data extract."""
