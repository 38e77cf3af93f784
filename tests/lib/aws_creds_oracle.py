#!/usr/bin/python3
"""The credential chain as botocore resolves it, for the same environment
initc runs in: prints {"method": ..., "access_key": ...} (botocore's
provider name and the access key id it got) or {"error": ...} and exits 1.

botocore 1.29 (Debian bookworm) predates two settings initc honours; they
are given to botocore through its own machinery, nothing else changes:
  AWS_ENDPOINT_URL_STS  the STS client of its web identity provider is
                        created with endpoint_url (botocore's
                        AssumeRoleWithWebIdentityCredentialFetcher does the
                        call, with its own parameters);
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE  read into
                        AWS_CONTAINER_AUTHORIZATION_TOKEN, as newer
                        botocore does.
AWS_REGION is copied to AWS_DEFAULT_REGION when that is unset (1.29 reads
only the latter).
"""
import json
import os
import sys

import botocore.session


def main():
    env = os.environ
    if env.get("AWS_REGION") and not env.get("AWS_DEFAULT_REGION"):
        env["AWS_DEFAULT_REGION"] = env["AWS_REGION"]
    token_file = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    if token_file:
        with open(token_file, encoding="utf-8") as f:
            env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = f.read()
    session = botocore.session.Session()
    sts_endpoint = env.get("AWS_ENDPOINT_URL_STS")
    if sts_endpoint:
        resolver = session.get_component("credential_provider")
        for provider in resolver.providers:
            if provider.METHOD == "assume-role-with-web-identity":
                create = provider._client_creator
                provider._client_creator = (
                    lambda service, create=create, **kw:
                    create(service, endpoint_url=sts_endpoint, **kw))
    try:
        creds = session.get_credentials()
        if creds is None:
            print(json.dumps({"error": "NoCredentials"}))
            return 1
        frozen = creds.get_frozen_credentials()
        print(json.dumps({"method": creds.method, "access_key": frozen.access_key}))
        return 0
    except Exception as e:  # the class name only: messages may quote values
        print(json.dumps({"error": type(e).__name__}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
