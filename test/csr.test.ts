// CertificateSigningRequests on a cluster started with TLS, driven by kubectl 1.27, 1.30 and 1.33:
// a request for CN=jane,O=dev is Pending with kube's columns, `kubectl certificate approve` gets it
// issued by the cluster CA, and the certificate with its key authenticates as jane in dev (403s
// name User "jane" until a binding grants her); a denied request is never signed; invalid
// requests get kube's 422s; approving needs `approve` on the signer; system:masters is refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, kubectl, kubectlOk, rows, scratchFile, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.30', '1.33'];
const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';

/** A fresh RSA key and a PEM CERTIFICATE REQUEST for `subject` (openssl's -subj form). */
function keyAndRequest(subject: string): { key: string; request: string } {
  const dir = mkdtempSync(join(tmpdir(), 'csr-'));
  execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'r.pem', '-subj', subject], { cwd: dir, stdio: 'pipe' });
  return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), request: readFileSync(join(dir, 'r.pem'), 'utf8') };
}

function csrManifest(name: string, request: string, spec: Record<string, string | number | string[]> = {}): string {
  const fields = { signerName: CLIENT_SIGNER, usages: ['client auth'], ...spec };
  const lines = Object.entries(fields).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return ['apiVersion: certificates.k8s.io/v1', 'kind: CertificateSigningRequest', `metadata:\n  name: ${name}`, 'spec:', `  request: ${Buffer.from(request).toString('base64')}`, ...lines, ''].join('\n');
}

/** The admin kubeconfig with the user's credentials replaced by a client certificate and key. */
function certificateKubeconfig(cluster: Cluster, name: string, cert: string, key: string): string {
  const admin = readFileSync(cluster.kubeconfigPath, 'utf8');
  const user = `    client-certificate-data: ${Buffer.from(cert).toString('base64')}\n    client-key-data: ${Buffer.from(key).toString('base64')}`;
  return scratchFile(`${name}.kubeconfig`, admin.replace(/ {4}token: \S+/, user));
}

async function condition(v: string, cluster: Cluster, name: string): Promise<string> {
  return (await kubectlOk(v, cluster, ['get', 'csr', name, '-o', 'jsonpath={.status.conditions[*].type}{"/"}{.status.certificate}'])).trim();
}

describe('CertificateSigningRequests', () => {
  let cluster: Cluster;
  before(async () => { cluster = await withCluster({ tls: true, controlPlane: true }); });
  after(() => cluster.close());

  for (const v of VERSIONS) {
    test(`kubectl ${v}: create, get, approve; the issued certificate authenticates as jane in dev`, async () => {
      const name = `jane-${v.replace('.', '')}`;
      const { key, request } = keyAndRequest('/CN=jane/O=dev');
      const file = scratchFile(`${name}.yaml`, csrManifest(name, request, { expirationSeconds: 86400, username: 'someone-else' }));
      assert.equal(await kubectlOk(v, cluster, ['create', '-f', file]), `certificatesigningrequest.certificates.k8s.io/${name} created\n`);
      const [header, row] = rows(await kubectlOk(v, cluster, ['get', 'csr', name]));
      assert.deepEqual(header, ['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION']);
      assert.deepEqual([row[0], ...row.slice(2)], [name, CLIENT_SIGNER, 'tinykube-admin', '24h', 'Pending']);
      // The server says who asked, whatever the request claimed.
      const spec = JSON.parse(await kubectlOk(v, cluster, ['get', 'csr', name, '-o', 'jsonpath={.spec}']));
      assert.deepEqual([spec.username, spec.groups], ['tinykube-admin', ['system:masters', 'system:authenticated']]);

      assert.equal(await kubectlOk(v, cluster, ['certificate', 'approve', name]), `certificatesigningrequest.certificates.k8s.io/${name} approved\n`);
      await eventually(async () => (await condition(v, cluster, name)).length > 'Approved/'.length, 15_000, 'the certificate');
      assert.equal(rows(await kubectlOk(v, cluster, ['get', 'csr', name, '--no-headers']))[0][5], 'Approved,Issued');
      const approved = JSON.parse(await kubectlOk(v, cluster, ['get', 'csr', name, '-o', 'jsonpath={.status.conditions[0]}']));
      assert.deepEqual([approved.type, approved.status, approved.reason, approved.message], ['Approved', 'True', 'KubectlApprove', 'This CSR was approved by kubectl certificate approve.']);

      const pem = Buffer.from(await kubectlOk(v, cluster, ['get', 'csr', name, '-o', 'jsonpath={.status.certificate}']), 'base64').toString();
      const cert = new X509Certificate(pem);
      assert.ok(cert.checkIssued(new X509Certificate(cluster.caCertificate!)), 'signed by the cluster CA');
      assert.equal(cert.subject, 'O=dev\nCN=jane');
      // kube's validity: from 5 minutes back, for the 24h asked less those 5 minutes.
      assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 24 * 3600 * 1000);
      assert.ok(Math.abs(Date.parse(cert.validFrom) - (Date.now() - 5 * 60 * 1000)) < 60_000, cert.validFrom);

      const config = certificateKubeconfig(cluster, name, pem, key);
      if (v !== '1.27') {
        const whoami = await kubectl(v, cluster, ['--kubeconfig', config, 'auth', 'whoami']);
        assert.deepEqual([whoami.code, whoami.stdout], [0, 'ATTRIBUTE   VALUE\nUsername    jane\nGroups      [dev system:authenticated]\n'], whoami.stderr);
      }
      const refused = await kubectl(v, cluster, ['--kubeconfig', config, 'get', 'pods']);
      assert.deepEqual([refused.code, refused.stderr], [1, 'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"\n']);
      await kubectlOk(v, cluster, ['create', 'rolebinding', name, '--clusterrole=view', '--user=jane']);
      const allowed = await kubectl(v, cluster, ['--kubeconfig', config, 'get', 'pods']);
      assert.deepEqual([allowed.code, allowed.stderr], [0, 'No resources found in default namespace.\n']);
      await kubectlOk(v, cluster, ['delete', 'rolebinding', name]);
    });

    test(`kubectl ${v}: certificate deny; a denied request is never signed`, async () => {
      const name = `bob-${v.replace('.', '')}`;
      const file = scratchFile(`${name}.yaml`, csrManifest(name, keyAndRequest('/CN=bob').request));
      await kubectlOk(v, cluster, ['create', '-f', file]);
      assert.equal(await kubectlOk(v, cluster, ['certificate', 'deny', name]), `certificatesigningrequest.certificates.k8s.io/${name} denied\n`);
      const again = await kubectl(v, cluster, ['certificate', 'approve', name]);
      assert.deepEqual([again.code, again.stderr], [1, `error: certificate signing request "${name}" is already Denied\n`]);
      // The signer works its queue in order: once a later request is issued, the denied one was seen.
      const later = `later-${v.replace('.', '')}`;
      await kubectlOk(v, cluster, ['create', '-f', scratchFile(`${later}.yaml`, csrManifest(later, keyAndRequest('/CN=later').request))]);
      await kubectlOk(v, cluster, ['certificate', 'approve', later]);
      await eventually(async () => (await condition(v, cluster, later)).length > 'Approved/'.length, 15_000, 'the later certificate');
      assert.equal(await condition(v, cluster, name), 'Denied/');
      assert.equal(rows(await kubectlOk(v, cluster, ['get', 'csr', name, '--no-headers']))[0][5], 'Denied');
    });

    test(`kubectl ${v}: invalid requests get kube's 422 texts`, async () => {
      const bad = scratchFile(`bad-${v}.yaml`, csrManifest('bad', 'hello'));
      const notPem = await kubectl(v, cluster, ['create', '-f', bad]);
      assert.deepEqual([notPem.code, notPem.stderr], [1,
        'The CertificateSigningRequest "bad" is invalid: spec.request: Invalid value: []byte{0x68, 0x65, 0x6c, 0x6c, 0x6f}: PEM block type must be CERTIFICATE REQUEST\n']);
      const { request } = keyAndRequest('/CN=x');
      const worse = scratchFile(`worse-${v}.yaml`, csrManifest('worse', request, { signerName: 'example', usages: ['client auth', 'bogus', 'client auth'], expirationSeconds: 60 }));
      const many = await kubectl(v, cluster, ['create', '-f', worse]);
      assert.equal(many.code, 1);
      assert.equal(many.stderr, [
        'The CertificateSigningRequest "worse" is invalid: ',
        `* spec.usages[1]: Unsupported value: "bogus": supported values: ${['any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only', 'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement', 'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping'].map((u) => `"${u}"`).join(', ')}`,
        '* spec.usages[2]: Duplicate value: "client auth"',
        "* spec.signerName: Invalid value: \"example\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
        '* spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)',
        '',
      ].join('\n'));
      const noUsages = scratchFile(`nousages-${v}.yaml`, csrManifest('nousages', request, { usages: [] }));
      const missing = await kubectl(v, cluster, ['create', '-f', noUsages]);
      assert.deepEqual([missing.code, missing.stderr], [1, 'The CertificateSigningRequest "nousages" is invalid: spec.usages: Required value\n']);
    });
  }

  test('approving takes `approve` on the signer; /approval alone is not enough', async () => {
    const v = '1.33';
    // A user who may read requests and write /approval, with a certificate the cluster issued.
    const approver = cluster.issueClientCertificate('approver', ['ops']);
    const config = certificateKubeconfig(cluster, 'approver', approver.cert, approver.key);
    await kubectlOk(v, cluster, ['create', 'clusterrole', 'csr-approval', '--verb=get,list', '--resource=certificatesigningrequests', '--verb=update', '--resource=certificatesigningrequests/approval']);
    await kubectlOk(v, cluster, ['create', 'clusterrolebinding', 'csr-approval', '--clusterrole=csr-approval', '--user=approver']);
    await kubectlOk(v, cluster, ['create', '-f', scratchFile('carol.yaml', csrManifest('carol', keyAndRequest('/CN=carol').request))]);
    const refused = await kubectl(v, cluster, ['--kubeconfig', config, 'certificate', 'approve', 'carol']);
    assert.deepEqual([refused.code, refused.stderr], [1,
      `Error from server (Forbidden): certificatesigningrequests.certificates.k8s.io "carol" is forbidden: user not permitted to approve requests with signerName "${CLIENT_SIGNER}"\n`]);
    // `signers` is no resource kubectl can discover (as in kube), so the role is written out.
    const role = ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata:\n  name: client-signer-approver', 'rules:',
      `- apiGroups: [certificates.k8s.io]\n  resources: [signers]\n  resourceNames: [${CLIENT_SIGNER}]\n  verbs: [approve]`, ''].join('\n');
    await kubectlOk(v, cluster, ['create', '-f', scratchFile('approver-role.yaml', role)]);
    await kubectlOk(v, cluster, ['create', 'clusterrolebinding', 'client-signer-approver', '--clusterrole=client-signer-approver', '--user=approver']);
    assert.equal(await kubectlOk(v, cluster, ['--kubeconfig', config, 'certificate', 'approve', 'carol']), 'certificatesigningrequest.certificates.k8s.io/carol approved\n');
  });

  test('kube-apiserver-client refuses system:masters; its signer fails requests for other usages', async () => {
    const v = '1.33';
    const rootFile = scratchFile('root.yaml', csrManifest('root', keyAndRequest('/CN=root/O=system:masters').request));
    const masters = await kubectl(v, cluster, ['create', '-f', rootFile]);
    assert.deepEqual([masters.code, masters.stderr], [1,
      `Error from server (Forbidden): error when creating "${rootFile}": certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of ${CLIENT_SIGNER} signer with system:masters group is not allowed\n`]);
    await kubectlOk(v, cluster, ['create', '-f', scratchFile('server.yaml', csrManifest('server', keyAndRequest('/CN=server').request, { usages: ['server auth'] }))]);
    await kubectlOk(v, cluster, ['certificate', 'approve', 'server']);
    await eventually(async () => (await condition(v, cluster, 'server')).startsWith('Approved Failed'), 15_000, 'the Failed condition');
    const failed = JSON.parse(await kubectlOk(v, cluster, ['get', 'csr', 'server', '-o', 'jsonpath={.status.conditions[1]}']));
    assert.deepEqual([failed.type, failed.status, failed.reason, failed.message], ['Failed', 'True', 'SignerValidationFailure', 'invalid usage for client certificate: server auth']);
    assert.equal(rows(await kubectlOk(v, cluster, ['get', 'csr', 'server', '--no-headers']))[0][5], 'Approved,Failed');
  });
});
