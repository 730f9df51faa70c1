"""电子签章: an issued PDF signed (PAdES, pyHanko) with the office's certificate, a visible seal
over the 发文机关署名 and 成文日期 (GB/T 9704 §7.3.5), and the check every reader can repeat.

Production: the office's PKCS#12 (`YIHONG_SIGNING_PKCS12`, passphrase in
`YIHONG_SIGNING_PASSPHRASE`) and the CA it chains to (`YIHONG_SIGNING_TRUST_ROOTS`). Unset, a demo
CA and an office certificate are generated once under `YIHONG_SIGNING_DIR` (var/signing/) and the
seal carries 演示. The seal image is drawn here with Pillow: a red ring, the office's name along
its upper arc, a five-pointed star. The document template marks where the seal goes with the
named destination `seal-anchor` (the 署名's first line), which WeasyPrint writes into the PDF.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import fcntl
import io
import math
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

SEAL_ANCHOR = "seal-anchor"
SIGNATURE_BYTES_RESERVED = 16384
SEAL_FIELD = "专班办电子签章"
SEAL_DIAMETER_PT = 42 / 25.4 * 72  # a 机关's seal: 42 mm
SEAL_RED = (230, 0, 18, 235)
DEMO_PASSPHRASE = b"yihong-demo"
# The block of 署名 and 成文日期 (centred on each other) ends 4 字 (64 pt) in from the type area's right edge.
PAGE_RIGHT_EDGE_PT = 595.28 - 26 / 25.4 * 72 - 64
# The seal's centre 1.5 pt above the 署名's characters: 署名 and 成文日期 below the centre
# (居印章中心偏下), the top 3.5 pt under the line box of the text above, the foot at the 附注's line.
SEAL_CENTRE_BELOW_ANCHOR_PT = 5.0
_lock = threading.Lock()


@dataclass(frozen=True)
class SignatureCheck:
    """What a reader of the PDF learns from its signature."""

    valid: bool
    reason: str = ""
    signer: str = ""  # the certificate's holder
    signed_at: dt.datetime | None = None
    demo: bool = False


# --- keys and certificates -----------------------------------------------------------------
def is_demo() -> bool:
    return not settings.YIHONG_SIGNING_PKCS12


def _demo_paths() -> tuple[Path, Path]:
    folder = Path(settings.YIHONG_SIGNING_DIR)
    return folder / "demo-ca.pem", folder / "demo-office.p12"


def demo_material_ensure() -> tuple[Path, Path]:
    """The demo CA (PEM) and the office's PKCS#12, generated once; written atomically."""
    ca_path, p12_path = _demo_paths()
    if ca_path.exists() and p12_path.exists():
        return ca_path, p12_path
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    # Several processes may start at once (web, workers, parallel test runs): a file lock makes
    # one of them generate the pair, so the certificate in the PKCS#12 is always the CA's.
    with _lock, open(ca_path.parent / ".demo-material.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if ca_path.exists() and p12_path.exists():
            return ca_path, p12_path
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives.serialization import pkcs12
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        def name(common: str) -> x509.Name:
            return x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "一泓演示"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common),
                ]
            )

        start, end = dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2050, 1, 1, tzinfo=dt.UTC)
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_name = name("一泓演示根证书（仅供演示）")
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(ca_key, hashes.SHA256())
        )
        office_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        office_cert = (
            x509.CertificateBuilder()
            .subject_name(name(f"{settings.YIHONG_NOTICE_PRINTER}（演示）"[:64]))
            .issuer_name(ca_name)
            .public_key(office_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        p12 = pkcs12.serialize_key_and_certificates(
            b"office",
            office_key,
            office_cert,
            [ca_cert],
            serialization.BestAvailableEncryption(DEMO_PASSPHRASE),
        )
        # The PKCS#12 first, the CA last: the CA's presence means the pair is complete.
        for path, data in ((p12_path, p12), (ca_path, ca_cert.public_bytes(serialization.Encoding.PEM))):
            temporary = path.with_name(f".{path.name}.{os.getpid()}")
            temporary.write_bytes(data)
            temporary.replace(path)
        return ca_path, p12_path


@lru_cache(maxsize=4)
def _signer(p12_path: str, passphrase: bytes | None):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class CachedKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner re-parses (and re-checks) the RSA key for every signature,
        ~85 ms; the office's key is parsed once per process instead."""

        _pyca_key: RSAPrivateKey | None = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if mechanism != "rsassa_pkcs1v15":
                return super().sign_raw(data, digest_algorithm)
            if self._pyca_key is None:
                key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
                assert isinstance(key, RSAPrivateKey)  # rsassa_pkcs1v15 above
                self._pyca_key = key
            return self._pyca_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

    loaded = signers.SimpleSigner.load_pkcs12(p12_path, passphrase=passphrase)
    if loaded is None:
        raise RuntimeError(f"无法读取签章证书 {p12_path}（请检查 YIHONG_SIGNING_PKCS12 与口令）")
    return CachedKeySigner(
        signing_key=loaded.signing_key, signing_cert=loaded.signing_cert, cert_registry=loaded.cert_registry
    )


def office_signer():
    if is_demo():
        _, p12_path = demo_material_ensure()
        return _signer(str(p12_path), DEMO_PASSPHRASE)
    return _signer(settings.YIHONG_SIGNING_PKCS12, settings.YIHONG_SIGNING_PASSPHRASE.encode() or None)


@lru_cache(maxsize=4)
def _trust_roots(paths: tuple[str, ...]) -> tuple:
    from asn1crypto import pem, x509

    roots = []
    for path in paths:
        data = Path(path).read_bytes()
        for _, _, der in pem.unarmor(data, multiple=True) if pem.detect(data) else [(None, None, data)]:
            roots.append(x509.Certificate.load(der))
    return tuple(roots)


def trust_roots() -> tuple:
    if settings.YIHONG_SIGNING_TRUST_ROOTS:
        return _trust_roots(tuple(p for p in settings.YIHONG_SIGNING_TRUST_ROOTS.split(os.pathsep) if p))
    ca_path, _ = demo_material_ensure()
    return _trust_roots((str(ca_path),))


# --- the seal image --------------------------------------------------------------------------
_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
)


def _font(size: int):
    from PIL import ImageFont

    for path in (*_FONT_CANDIDATES, str(Path(settings.YIHONG_FONT_DIR) / "yihong-heiti.otf")):
        if Path(path).exists():
            try:
                return ImageFont.truetype(path, size, index=2 if path.endswith(".ttc") else 0)
            except OSError:
                continue
    return ImageFont.load_default(size)


@lru_cache(maxsize=2)
def seal_png(issuer: str, demo: bool, pixels: int = 480) -> bytes:
    """The office's seal: red ring, its name along the upper arc, a star; 演示 when demo."""
    from PIL import Image, ImageDraw

    scale = pixels / 480
    image = Image.new("RGBA", (pixels, pixels), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre, ring = pixels / 2, 14 * scale
    draw.ellipse(
        (ring / 2, ring / 2, pixels - ring / 2, pixels - ring / 2), outline=SEAL_RED, width=round(ring)
    )
    # The star, its points on a circle of 0.19 of the seal.
    outer, inner = 0.19 * pixels, 0.19 * pixels * 0.382
    points = []
    for index in range(10):
        radius = outer if index % 2 == 0 else inner
        angle = -math.pi / 2 + index * math.pi / 5
        points.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(points, fill=SEAL_RED)
    # The name, each character turned to face the centre, along an arc of 250°.
    name = issuer.replace("“", "").replace("”", "")
    span = math.radians(250)
    size = round(min(52 * scale, (pixels / 2 - ring - 24 * scale) * span / max(len(name), 1) * 0.9))
    font = _font(size)
    radius = pixels / 2 - ring - size * 0.75
    for index, char in enumerate(name):
        angle = -math.pi / 2 - span / 2 + span * (index + 0.5) / len(name)
        glyph = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((size, size), char, font=font, fill=SEAL_RED, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        image.alpha_composite(glyph, (round(x - size), round(y - size)))
    label = "演示" if demo else ""
    if label:
        small = _font(round(40 * scale))
        draw.text((centre, centre + 0.3 * pixels), label, font=small, fill=SEAL_RED, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seal_pdf_path(issuer: str, demo: bool) -> Path:
    """The seal as a one-page PDF (image and mask compressed once), made once per name under
    YIHONG_SIGNING_DIR: each signature imports it as is, instead of compressing the image again
    (which took about half of the time signing adds)."""
    import base64
    import hashlib

    from notices import rendering

    png = seal_png(issuer, demo)
    path = Path(settings.YIHONG_SIGNING_DIR) / f"seal-{hashlib.sha256(png).hexdigest()[:16]}.pdf"
    if not path.exists():
        size = f"{SEAL_DIAMETER_PT:.2f}pt"
        html = (
            f"<html><head><style>@page {{ size: {size} {size}; margin: 0 }} body {{ margin: 0 }}</style>"
            f'</head><body><img style="display: block; width: {size}; height: {size}" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}"></body></html>'
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(rendering.pdf_from_standalone_html(html))
        temporary.replace(path)
    return path


@lru_cache(maxsize=2)
def _stamp_style(issuer: str, demo: bool):
    from pyhanko import stamp

    return stamp.StaticStampStyle.from_pdf_file(
        str(seal_pdf_path(issuer, demo)), border_width=0, background_opacity=1.0
    )


# --- where the seal goes ----------------------------------------------------------------------
def _seal_box(reader) -> tuple[int, tuple[float, float, float, float]]:
    """(page index, box) for the seal: centred on the block of 署名 and 成文日期 (the anchor is
    that block, its right edge 4 字 in), its centre just above the 署名's characters, so that
    署名 and 成文日期 sit below the seal's centre, the seal's top stays within a line of the text
    above and its foot clears the 附注 line below (GB/T 9704 §7.3.5.1, §7.3.6)."""
    destination = None
    names = reader.root.get("/Names")
    if names is not None and "/Dests" in names:
        flat = names["/Dests"].get("/Names", [])
        for index in range(0, len(flat) - 1, 2):
            if str(flat[index]) == SEAL_ANCHOR:
                destination = flat[index + 1]
                break
    page_index, x, y = reader.root["/Pages"]["/Count"] - 1, 90.0, 260.0
    if destination is not None:
        if hasattr(destination, "get") and "/D" in destination:
            destination = destination["/D"]
        page_ref = destination.raw_get(0)
        for index in range(reader.root["/Pages"]["/Count"]):
            if reader.find_page_for_modification(index)[0].idnum == page_ref.idnum:
                page_index = index
                break
        x, y = float(destination[2]), float(destination[3])
    centre_x = (x + PAGE_RIGHT_EDGE_PT) / 2
    # The anchor is the top of the 署名's line box (28.99 pt); its characters begin 6.5 pt lower.
    centre_y = y - SEAL_CENTRE_BELOW_ANCHOR_PT
    half = SEAL_DIAMETER_PT / 2
    return page_index, (centre_x - half, centre_y - half, centre_x + half, centre_y + half)


def _outside_an_event_loop(function, *args, **kwargs):
    """Call `function` where no asyncio loop runs: pyHanko's synchronous API runs its own loop
    (asyncio.run), which fails inside a thread that already runs one (an ASGI server, Playwright's
    sync API in the browser tests). There, the call goes to a short-lived worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def pdf_sign(pdf_bytes: bytes, *, signer_name: str = "", issuer: str | None = None) -> bytes:
    """The PDF signed by the office (PAdES B-B), the seal visible over the 署名 and 成文日期."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    issuer = issuer or settings.YIHONG_NOTICE_ISSUER
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    page_index, box = _seal_box(writer.prev)
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=f"签发人：{signer_name}" if signer_name else "签发",
        location=issuer,
        name=issuer,
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=office_signer(),
        stamp_style=_stamp_style(issuer, is_demo()),
        # pyHanko types the box in whole points; a PDF rectangle takes any number, and the seal
        # sits on the 署名 to a fraction of a point.
        new_field_spec=fields.SigFieldSpec(SEAL_FIELD, on_page=page_index, box=box),  # type: ignore[arg-type]
    )
    # A fixed reservation spares pyHanko a dry run that signs once more to measure the CMS.
    signed = _outside_an_event_loop(pdf_signer.sign_pdf, writer, bytes_reserved=SIGNATURE_BYTES_RESERVED)
    return signed.getvalue()


def pdf_signature_check(pdf_bytes: bytes) -> SignatureCheck:
    """Validate the PDF's signature against the trusted roots; the whole file must be covered."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # a damaged file: not a readable PDF at all
        return SignatureCheck(False, f"文件无法解析（{type(error).__name__}）")
    if not signatures:
        return SignatureCheck(False, "文件没有电子签章")
    try:
        status = _outside_an_event_loop(
            validate_pdf_signature, signatures[0], ValidationContext(trust_roots=list(trust_roots()))
        )
    except Exception as error:
        return SignatureCheck(False, f"签章无法校验（{type(error).__name__}）")
    signer = status.signing_cert.subject.native.get("common_name", "") if status.signing_cert else ""
    signed_at = status.signer_reported_dt
    if not status.intact or not status.valid:
        return SignatureCheck(False, "签章与文件内容不符（文件签章后被改动）", signer, signed_at)
    if not status.trusted:
        return SignatureCheck(False, "签章证书不受信任", signer, signed_at)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(False, "签章后文件被追加修改", signer, signed_at)
    return SignatureCheck(True, "", signer, signed_at, demo=is_demo())
