#!/usr/bin/python3
"""The credential chain as botocore resolves it, for the same environment
initc runs in: prints {"method": ..., "access_key": ..., "secret_sha256":
..., "token_sha256": ...} (botocore's provider name, the access key id it
got, and SHA-256 digests of the secret key and the session token, "" for
none: never a secret itself) or {"error": CLASS} and exits 1.

botocore 1.29 (Debian bookworm) predates AWS_ENDPOINT_URL_STS; it is given
to botocore through its own machinery, nothing else changes: the STS client
of its web identity provider is created with endpoint_url (botocore's
AssumeRoleWithWebIdentityCredentialFetcher does the call, with its own
parameters). AWS_REGION is copied to AWS_DEFAULT_REGION when that is unset
(1.29 reads only the latter). AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, which
1.29 lacks (it came to the SDKs with EKS Pod Identity, November 2023), is
NOT emulated: where it matters, the tests judge initc against the
stand-in's log, not against this oracle.
"""
import hashlib
import json
import os
import sys

import botocore.session


def main():
    env = os.environ
    if env.get("AWS_REGION") and not env.get("AWS_DEFAULT_REGION"):
        env["AWS_DEFAULT_REGION"] = env["AWS_REGION"]
    try:  # everything: a missing profile raises in get_component already
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
        creds = session.get_credentials()
        if creds is None:
            print(json.dumps({"error": "NoCredentials"}))
            return 1
        frozen = creds.get_frozen_credentials()
        print(json.dumps({"method": creds.method, "access_key": frozen.access_key,
                          "secret_sha256": digest(frozen.secret_key),
                          "token_sha256": digest(frozen.token)}))
        return 0
    except Exception as e:  # the class name only: messages may quote values
        print(json.dumps({"error": type(e).__name__}))
        return 1


def digest(value):
    return hashlib.sha256(value.encode()).hexdigest() if value else ""


if __name__ == "__main__":
    sys.exit(main())
