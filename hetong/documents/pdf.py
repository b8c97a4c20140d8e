"""PDF routes: HTML through WeasyPrint, Word through LibreOffice when it is installed (found at run time), else
Word through mammoth's HTML and WeasyPrint.

Both routes use the Noto CJK fonts installed with the project (pylopdf-fonts-zh-cn), so Chinese renders the same
on every machine; LibreOffice sees them through a fontconfig file that also maps the fonts Chinese Word templates
ask for (宋体, 黑体, 微软雅黑, 仿宋, 楷体, 等线) to them. Nothing is fetched over the network: WeasyPrint's fetcher
serves the bundled fonts and data: URIs and refuses everything else.
"""

import logging
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pylopdf_fonts_zh_cn
from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

log = logging.getLogger(__name__)

FONT_DIR = Path(pylopdf_fonts_zh_cn.__file__).parent
SERIF = FONT_DIR / "NotoSerifSC-Regular.otf"
SANS = FONT_DIR / "NotoSansSC-Regular.otf"
CONVERT_TIMEOUT = 120

SERIF_ALIASES = ("宋体", "SimSun", "新宋体", "NSimSun", "仿宋", "FangSong", "仿宋_GB2312", "楷体", "KaiTi", "楷体_GB2312",
                 "Songti SC", "STSong", "Times New Roman")
SANS_ALIASES = ("黑体", "SimHei", "微软雅黑", "Microsoft YaHei", "等线", "DengXian", "PingFang SC", "Heiti SC", "Arial",
                "Calibri")

BASE_CSS = f"""
@font-face {{ font-family: "Noto Serif SC"; src: url("{SERIF.as_uri()}"); }}
@font-face {{ font-family: "Noto Sans SC"; src: url("{SANS.as_uri()}"); }}
@page {{
  size: A4; margin: 2.2cm 2cm 2.4cm;
  @bottom-center {{ content: counter(page) " / " counter(pages); font: 9pt "Noto Sans SC"; color: #555; }}
}}
html {{ font-family: "Noto Serif SC", serif; font-size: 10.5pt; line-height: 1.6; color: #111; }}
h1, h2, h3, h4, th {{ font-family: "Noto Sans SC", sans-serif; font-weight: normal; }}
h1 {{ text-align: center; font-size: 18pt; letter-spacing: 0.1em; margin: 0 0 1em; }}
h2 {{ font-size: 12pt; margin: 1.2em 0 0.4em; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.6em 0; }}
th, td {{ border: 0.5pt solid #444; padding: 3pt 5pt; vertical-align: top; }}
td.num, th.num {{ text-align: right; }}
p {{ margin: 0.3em 0; text-align: justify; }}
p.clause {{ text-indent: 2em; }}
.signatures {{ width: 100%; margin-top: 2em; page-break-inside: avoid; }}
.signatures td {{ border: none; width: 50%; padding: 0 1em 0 0; }}
"""


class LocalOnlyFetcher(URLFetcher):
    """Serves the bundled fonts and data: URIs; refuses every other address (no network, no local files)."""

    ALLOWED_FILES = {SERIF.as_uri(), SANS.as_uri()}

    def fetch(self, url, headers=None):
        if url.startswith("data:") or url.split("?")[0] in self.ALLOWED_FILES:
            return super().fetch(url, headers)
        raise ValueError(f"refused to fetch {url[:100]}")


@cache
def _base_stylesheet():
    fonts = FontConfiguration()
    return fonts, CSS(string=BASE_CSS, font_config=fonts, url_fetcher=LocalOnlyFetcher())


def wrap_html(body: str, *, title: str = "", language: str = "zh-hans") -> str:
    lang = "en" if language == "en" else "zh-CN"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body>{body}</body></html>"
    )


def html_to_pdf(html: str) -> bytes:
    fonts, base = _base_stylesheet()
    document = HTML(string=html, url_fetcher=LocalOnlyFetcher(), base_url=None)
    return document.write_pdf(stylesheets=[base], font_config=fonts)


# --- LibreOffice ----------------------------------------------------------------------------------------------

def libreoffice() -> str | None:
    """The LibreOffice binary, or None. HETONG_LIBREOFFICE names one, or "off" to use the HTML route."""
    configured = getattr(settings, "HETONG_LIBREOFFICE", "")
    if configured.lower() in ("off", "none", "false", "0"):
        return None
    if configured:
        return configured if Path(configured).exists() else shutil.which(configured)
    return shutil.which("soffice") or shutil.which("libreoffice")


def fontconfig_file(directory: Path) -> Path:
    aliases = "".join(
        f'<alias binding="same"><family>{name}</family><prefer><family>{target}</family></prefer></alias>'
        for names, target in ((SERIF_ALIASES, "Noto Serif SC"), (SANS_ALIASES, "Noto Sans SC"))
        for name in names
    )
    path = directory / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{FONT_DIR}</dir><cachedir>{directory / 'fc-cache'}</cachedir>{aliases}</fontconfig>",
        encoding="utf-8",
    )
    return path


class ConversionFailed(Exception):
    pass


def docx_to_pdf_libreoffice(data: bytes, binary: str) -> bytes:
    """Convert in a throw-away profile, so conversions never share state or lock each other out."""
    with tempfile.TemporaryDirectory(prefix="hetong-lo-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(data)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "FONTCONFIG_FILE": str(fontconfig_file(work)),
            "LANG": "C.UTF-8",
        }
        command = [
            binary, "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nofirststartwizard",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work / "out"), str(source),
        ]
        try:
            result = subprocess.run(command, env=env, capture_output=True, timeout=CONVERT_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConversionFailed(f"LibreOffice did not finish: {exc}") from exc
        target = work / "out" / "document.pdf"
        if result.returncode != 0 or not target.exists():
            raise ConversionFailed(
                f"LibreOffice exited with {result.returncode}: {result.stderr.decode('utf-8', 'replace')[-300:]}"
            )
        return target.read_bytes()


def docx_to_html(data: bytes) -> str:
    import io

    import mammoth

    result = mammoth.convert_to_html(io.BytesIO(data))
    return result.value


def docx_to_pdf(data: bytes, *, language: str = "zh-hans") -> tuple[bytes, str]:
    """The PDF of a Word document and the engine that made it."""
    binary = libreoffice()
    if binary:
        return docx_to_pdf_libreoffice(data, binary), "libreoffice"
    return html_to_pdf(wrap_html(docx_to_html(data), language=language)), "weasyprint"
