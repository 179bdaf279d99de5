"""A real HTTP(S) server on 127.0.0.1 for integration tests.

Each test gives it a ``handler(method, path, query, headers, body)`` that
returns ``(status, headers, json_body)``; the server records every request so a
test can check paging and retries. ``tls=True`` serves HTTPS with a fresh
self-signed certificate for 127.0.0.1 (``server.cafile`` to trust it), for
clients such as simple-salesforce that always speak https.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import tempfile
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

# (method, path, query, headers, body) -> (status, extra headers, body)
Handler = Callable[[str, str, dict[str, Any], dict[str, str], Any], tuple[int, dict[str, str], Any]]


def _self_signed() -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    # Valid over a fixed, wide span rather than around "now": tests move the
    # clock Python sees (accord.tests.clock) but OpenSSL checks the real one.
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as certfile:
        certfile.write(cert.public_bytes(serialization.Encoding.PEM))
    with tempfile.NamedTemporaryFile("wb", suffix=".key", delete=False) as keyfile:
        keyfile.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return certfile.name, keyfile.name


class LoopbackServer:
    def __init__(self, handler: Handler, *, tls: bool = False) -> None:
        self.requests: list[dict[str, Any]] = []
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                record = {
                    "method": self.command,
                    "path": parsed.path,
                    "query": query,
                    "headers": dict(self.headers),
                    "body": body,
                }
                server.requests.append(record)
                status, headers, payload = handler(
                    self.command, parsed.path, query, dict(self.headers), body
                )
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.cafile = ""
        if tls:
            self.cafile, keyfile = _self_signed()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.cafile, keyfile)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
