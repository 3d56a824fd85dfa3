"""Analysis rigour: two coders and their agreement, theory framework matrices, guide coverage."""
