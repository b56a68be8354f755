.PHONY: install test run bench

install:
	python -m pip install -e ".[test]"

test:
	python -m pytest

run:
	python -m bot chat

bench:
	python -m bot bench qa
