# `make package`: Lambda layers (manylinux wheels for python3.12, cached in build/wheels) and the
# function code as reproducible zips in build/dist, plus build/template.yaml for `sam deploy`.
.PHONY: package rehearse

package: setup
	$(PY) layers/build.py
	$(PY) -m infra.deploy.package

# The deploy rehearsal: SAM → CloudFormation offline, stack created on the local cloud.
rehearse: setup
	$(VENV)/bin/gdesk deploy --rehearse
