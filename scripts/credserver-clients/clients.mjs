// Credential-server clients nobody here wrote, run inside `tip-cli exec
// --server` or with the `tip-cli serve` exports (scripts/credserver-clients.sh):
// the JS SDK v3's fromContainerMetadata and fromHttp, and the AWS CRT's
// default chain (its ECS/container provider, which sends Host without the
// port). Each client's credentials sign an STS GetCallerIdentity to
// $AWS_ENDPOINT_URL (the sandbox, which checks SigV4), so a key that the
// client mangled fails there. One line per client on stdout:
//   client NAME ACCESS_KEY ARN      or      client NAME ERROR message
// plus "refusal fromHttp CODE message" for a request with a wrong token.
import { createHash } from "node:crypto";
import { writeFileSync, mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromContainerMetadata, fromHttp } from "@aws-sdk/credential-providers";
import { auth, http as crthttp } from "aws-crt";

const endpoint = process.env.AWS_ENDPOINT_URL;
const region = process.env.AWS_REGION || "us-east-1";
const only = process.argv.slice(2);

async function viaSDK(name, provider) {
  const creds = await provider();
  const sts = new STSClient({ region, endpoint, credentials: creds, maxAttempts: 1 });
  const out = await sts.send(new GetCallerIdentityCommand({}));
  return `client ${name} ${creds.accessKeyId} ${out.Arn}`;
}

// viaCRT signs GetCallerIdentity with the CRT's default chain and sends it.
async function viaCRT() {
  const url = new URL(endpoint);
  const body = "Action=GetCallerIdentity&Version=2011-06-15";
  const headers = new crthttp.HttpHeaders([
    ["host", url.host],
    ["content-type", "application/x-www-form-urlencoded; charset=utf-8"],
    ["content-length", String(Buffer.byteLength(body))],
  ]);
  const req = new crthttp.HttpRequest("POST", "/", headers);
  const signed = await auth.aws_sign_request(req, {
    algorithm: auth.AwsSigningAlgorithm.SigV4,
    signature_type: auth.AwsSignatureType.HttpRequestViaHeaders,
    provider: auth.AwsCredentialsProvider.newDefault(),
    region,
    service: "sts",
    date: new Date(),
    signed_body_value: createHash("sha256").update(body).digest("hex"),
  });
  const sent = {};
  for (const [k, v] of signed.headers) sent[k] = v;
  const key = /Credential=([^/]+)\//.exec(sent.Authorization || sent.authorization || "")?.[1];
  if (!key) throw new Error("the CRT signed without credentials");
  if (!sent["X-Amz-Security-Token"] && !sent["x-amz-security-token"]) throw new Error(`the CRT dropped the session token (key ${key})`);
  const resp = await new Promise((resolve, reject) => {
    const r = request({ host: url.hostname, port: url.port, method: "POST", path: "/", headers: sent }, (res) => {
      let data = "";
      res.on("data", (c) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode, data }));
    });
    r.on("error", reject);
    r.end(body);
  });
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(resp.data)?.[1];
  if (resp.status !== 200 || !arn) throw new Error(`STS answered ${resp.status}: ${resp.data.slice(0, 200)}`);
  return `client crt ${key} ${arn}`;
}

// tokenFile runs fromHttp with the token in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE only.
async function tokenFile() {
  const token = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  if (!token) return viaSDK("fromHttp-token-file", fromHttp({}));
  const dir = mkdtempSync(join(tmpdir(), "tip-js-"));
  writeFileSync(join(dir, "token"), token, { mode: 0o600 });
  delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = join(dir, "token");
  try {
    return await viaSDK("fromHttp-token-file", fromHttp({}));
  } finally {
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = token;
    delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
  }
}

// refusal asks with a wrong token: fromHttp must surface the server's code.
async function refusal() {
  try {
    await fromHttp({ awsContainerAuthorizationToken: "wrong-token", awsContainerAuthorizationTokenFile: undefined })();
    return "refusal fromHttp SERVED";
  } catch (e) {
    return `refusal fromHttp ${e.Code ?? e.code ?? e.name} ${String(e.message).replace(/\s+/g, " ")}`;
  }
}

const clients = {
  fromContainerMetadata: () => viaSDK("fromContainerMetadata", fromContainerMetadata({ maxRetries: 0, timeout: 5000 })),
  fromHttp: () => viaSDK("fromHttp", fromHttp({})),
  "fromHttp-token-file": tokenFile,
  crt: viaCRT,
  refusal,
};
for (const [name, run] of Object.entries(clients)) {
  if (only.length && !only.includes(name)) continue;
  try {
    console.log(await run());
  } catch (e) {
    console.log(`client ${name} ERROR ${String(e.message ?? e).replace(/\s+/g, " ")}`);
  }
}
