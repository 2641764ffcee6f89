"""Test certificates made at test time with the ``openssl`` command: a CA, a server certificate and a client certificate.

    pki = TestPKI.create(folder)
    pki.ca            # CA certificate (PEM): aws_ca_bundle, proxy_ca_bundle, --upload-tls-client-ca
    pki.server_cert   # server certificate + key in one PEM, for localhost, 127.0.0.1 and ::1 (--upload-tls-cert)
    pki.client_cert   # client certificate + key in one PEM (botocore's client_cert)
    pki.server_context()   # an ssl.SSLContext serving server_cert

Nothing here is a secret: the keys are made for one test session and thrown away.
"""

import os
import ssl
import subprocess

SERVER_NAMES = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"


class TestPKI:
    """File paths of a throw-away CA and two certificates it signed."""

    __test__ = False  # not a pytest test class

    def __init__(self, folder):
        self.folder = os.path.abspath(folder)
        self.ca = os.path.join(folder, "ca.pem")
        self.server_cert = os.path.join(folder, "server.pem")
        self.client_cert = os.path.join(folder, "client.pem")
        self.other_ca = os.path.join(folder, "other-ca.pem")

    @classmethod
    def create(cls, folder):
        os.makedirs(folder, exist_ok=True)
        pki = cls(folder)
        pki._ca("ca", "localconnect test CA")
        pki._ca("other-ca", "an unrelated CA")
        pki._signed("server", "localhost", SERVER_NAMES, "serverAuth")
        pki._signed("client", "localconnect test client", None, "clientAuth")
        return pki

    def _run(self, *args):
        subprocess.run(["openssl", *args], cwd=self.folder, check=True, capture_output=True)

    def _ca(self, name, subject):
        self._run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={subject}",
                  "-keyout", f"{name}-key.pem", "-out", f"{name}.pem",
                  "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def _signed(self, name, subject, names, usage):
        self._run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={subject}", "-keyout", f"{name}-key.pem", "-out", f"{name}.csr")
        extensions = os.path.join(self.folder, f"{name}.ext")
        with open(extensions, "w", encoding="ascii") as stream:
            stream.write(f"basicConstraints=CA:FALSE\nextendedKeyUsage={usage}\n" + (names + "\n" if names else ""))
        self._run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                  "-days", "2", "-extfile", extensions, "-out", f"{name}-only.pem")
        with open(os.path.join(self.folder, f"{name}.pem"), "w", encoding="ascii") as combined:
            for part in (f"{name}-only.pem", f"{name}-key.pem"):
                with open(os.path.join(self.folder, part), encoding="ascii") as stream:
                    combined.write(stream.read())

    def server_context(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.server_cert)
        return context
