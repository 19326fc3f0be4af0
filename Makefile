# Thin entry points; the logic lives in scripts/ (scripts/env.sh holds the
# shared settings, pinned tool versions and environment defaults).
# Tools are installed inside the repo, in .local/ (git-ignored).

.DEFAULT_GOAL := help
S := bash scripts

.PHONY: help dev admin test fuzz lint build install ddb-start ddb-stop deploy-tools deploy clean-local

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

dev: ## DynamoDB Local + table + demo app + cargo lambda watch on 127.0.0.1:9000
	@$(S)/dev.sh

admin: ## the admin CLI against the local stack: make -s admin ARGS="apps create --name X"
	@$(S)/admin.sh $(ARGS)

test: ## what CI runs: fmt, clippy, workspace tests on DynamoDB Local, fuzz, cfn-lint
	@$(S)/check.sh test

fuzz: ## schemathesis against openapi.yaml and the local stack: make fuzz ARGS="--max-examples 200"
	@$(S)/fuzz.sh $(ARGS)

lint: ## cargo fmt --check and clippy -D warnings
	@$(S)/check.sh lint

build: ## release build for Lambda arm64 (cargo lambda build --release --arm64)
	@$(S)/build.sh $(ARGS)

install: ## install cargo-lambda, cfn-lint, schemathesis and DynamoDB Local into .local/
	@$(S)/install.sh venv ddb

ddb-start: install ## start DynamoDB Local (data in .local/ddb-data) and leave it running
	@$(S)/ddb-local.sh start

ddb-stop: ## stop the DynamoDB Local that ddb-start or dev started
	@$(S)/ddb-local.sh stop

deploy-tools: ## install the AWS SAM CLI into .local/sam-venv (slow; not needed for tests)
	@$(S)/install.sh venv arm64 sam

deploy: ## sam build && sam deploy (first time: make deploy ARGS=--guided)
	@$(S)/deploy.sh $(ARGS)

clean-local: ## stop DynamoDB Local and delete .local/ (tools, data, demo app, JWT secret)
	@$(S)/ddb-local.sh stop
	rm -rf .local
