#!/usr/bin/env python3
"""A stand-in for awscurl (https://github.com/okigan/awscurl), which is not
installable here: the subset of its command line the original IAM Session
Broker sample's walkthrough uses, signing with botocore's own SigV4 signer
and the ambient credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN), as awscurl does.

    awscurl.py [--service execute-api] [--region R] [-X METHOD] [-d DATA] URL

Like awscurl, it prints the response body on stdout; unlike awscurl it exits
1 on an HTTP status of 400 or more (with the status on stderr), so the
walkthrough script can tell failures from answers.
"""
import argparse
import sys
import urllib.error
import urllib.request

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


def main() -> int:
    p = argparse.ArgumentParser(prog="awscurl")
    p.add_argument("--service", default="execute-api")
    p.add_argument("--region", default=None)
    p.add_argument("-X", "--request", default="GET")
    p.add_argument("-d", "--data", default=None)
    p.add_argument("url")
    a = p.parse_args()
    session = botocore.session.get_session()
    region = a.region or session.get_config_variable("region")
    if not region:
        print("awscurl: no region: pass --region or set AWS_REGION", file=sys.stderr)
        return 2
    creds = session.get_credentials()
    if creds is None:
        print("awscurl: no AWS credentials", file=sys.stderr)
        return 2
    body = a.data.encode() if a.data is not None else None
    req = AWSRequest(method=a.request, url=a.url, data=body)
    if body is not None:
        req.headers["Content-Type"] = "application/json"
    SigV4Auth(creds.get_frozen_credentials(), a.service, region).add_auth(req)
    prepared = req.prepare()
    out = urllib.request.Request(prepared.url, data=body, method=a.request, headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(out, timeout=30) as resp:
            sys.stdout.write(resp.read().decode())
            return 0
    except urllib.error.HTTPError as e:
        sys.stdout.write(e.read().decode())
        print(f"awscurl: HTTP {e.code}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
