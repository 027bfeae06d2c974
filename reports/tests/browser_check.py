#!/usr/bin/python3
"""Opens a report.html in headless Chromium and checks what a reader would see.

usage: browser_check.py REPORT_TOOL RESULTS.json OUT_DIR
  Runs `REPORT_TOOL report RESULTS.json --out OUT_DIR`, then loads OUT_DIR/report.html through the
  DevTools protocol (--remote-debugging-pipe: no port, nothing listening) and checks that
    - the page loads with no console error, no uncaught exception, no browser log error;
    - the page makes no request other than for itself (file:, data:, about: only);
    - a desktop (1200 px) and a phone (390 px) screenshot are not blank (many distinct colours) and
      the phone layout has no horizontal overflow.
  Screenshots are left in OUT_DIR/screenshot-desktop.png and screenshot-phone.png.
Exit status: 0 pass, 1 a check failed, 77 Chromium is not installed (ctest SKIP_RETURN_CODE).

Only the Python 3 standard library is used (the PNG decoder below reads Chromium's 8-bit RGB(A)).
"""
import base64
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

SKIP = 77


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """A Chromium speaking CDP over fds 3 (commands in) and 4 (replies out), NUL-separated JSON."""

    def __init__(self, executable, profile_directory):
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()
        os.set_inheritable(to_browser_read, True)
        os.set_inheritable(from_browser_write, True)

        def remap():  # runs in the child: fds 3 and 4 are where Chromium looks for the pipe
            read_copy, write_copy = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(read_copy, 3)
            os.dup2(write_copy, 4)

        arguments = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
                     "--user-data-dir=" + profile_directory, "--remote-debugging-pipe", "about:blank"]
        self.process = subprocess.Popen(arguments, preexec_fn=remap, close_fds=False,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        return self.next_id

    def read_message(self, deadline):
        while b"\0" not in self.buffer:
            remaining = deadline - time.time()
            if remaining <= 0:
                raise TimeoutError("no reply from Chromium")
            ready, _, _ = select.select([self.from_browser], [], [], remaining)
            if ready:
                chunk = os.read(self.from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None, timeout=30):
        wanted = self.send(method, params, session)
        deadline = time.time() + timeout
        while True:
            message = self.read_message(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError("%s: %s" % (method, message["error"]))
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method, timeout=30):
        deadline = time.time() + timeout
        for index, message in enumerate(self.events):
            if message.get("method") == method:
                return self.events.pop(index)
        while True:
            message = self.read_message(deadline)
            if message.get("method") == method:
                return message
            self.events.append(message)

    def drain(self, seconds):
        deadline = time.time() + seconds
        try:
            while True:
                self.events.append(self.read_message(deadline))
        except TimeoutError:
            pass

    def close(self):
        try:
            self.send("Browser.close")
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
            self.process.wait()


def png_pixels(data):
    """(width, height, rows of bytes, bytes per pixel) of an 8-bit RGB/RGBA non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, "unexpected PNG format %r" % (header,)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, offset = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows, channels


def distinct_colours(data, limit=4096):
    width, height, rows, channels = png_pixels(data)
    colours = set()
    for y in range(0, height, 3):
        row = rows[y]
        for x in range(0, width * channels, 3 * channels):
            colours.add(row[x:x + 3])
            if len(colours) >= limit:
                return len(colours)
    return len(colours)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    tool, results, out = sys.argv[1:]
    chromium = find_chromium()
    if not chromium:
        print("SKIP: Chromium is not installed (Debian packages chromium, chromium-driver)")
        return SKIP
    shutil.rmtree(out, ignore_errors=True)
    generated = subprocess.run([tool, "report", results, "--out", out], capture_output=True, text=True)
    if generated.returncode != 0:
        print("report_tool failed:", generated.stderr)
        return 1
    page = "file://" + os.path.abspath(os.path.join(out, "report.html"))
    failures = []
    profile = tempfile.mkdtemp(prefix="wakecert-chromium-")
    browser = Browser(chromium, profile)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.call(domain + ".enable", session=session)
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        browser.call("Page.navigate", {"url": page}, session=session)
        browser.wait_for("Page.loadEventFired", timeout=60)
        browser.drain(1.0)
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                failures.append("console error: %s" % json.dumps(params.get("args"))[:300])
            elif method == "Runtime.exceptionThrown":
                failures.append("uncaught exception: %s" % json.dumps(params.get("exceptionDetails"))[:300])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                failures.append("browser log error: %s" % params["entry"].get("text", "")[:300])
            elif method == "Network.requestWillBeSent":
                url = params.get("request", {}).get("url", "")
                if not (url.startswith("file:") or url.startswith("data:") or url.startswith("about:")):
                    failures.append("external request: %s" % url)
                elif url.startswith("file:") and url.split("#")[0] != page:
                    failures.append("request for another file: %s" % url)
        # What the page shows: the verdict first, plots inline.
        facts = browser.call("Runtime.evaluate", {"returnByValue": True, "expression":
            "JSON.stringify({verdict: document.querySelector('header.verdict h1') ? "
            "document.querySelector('header.verdict h1').textContent : null, "
            "svgs: document.querySelectorAll('figure svg').length, "
            "rows: document.querySelectorAll('#requirements tbody tr').length})"}, session=session)
        facts = json.loads(facts["result"]["value"])
        print("page:", facts)
        if not facts["verdict"]:
            failures.append("no verdict header")
        if facts["rows"] == 0:
            failures.append("empty requirement table")
        for name, width, mobile in (("desktop", 1200, False), ("phone", 390, True)):
            browser.call("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": 2000 if not mobile else 1600, "deviceScaleFactor": 1,
                          "mobile": mobile}, session=session)
            browser.drain(0.5)
            overflow = browser.call("Runtime.evaluate", {"returnByValue": True, "expression":
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"},
                session=session)["result"]["value"]
            if overflow > 2:
                failures.append("%s layout is %d px wider than the screen" % (name, overflow))
            shot = base64.b64decode(browser.call("Page.captureScreenshot", {"format": "png"}, session=session)["data"])
            path = os.path.join(out, "screenshot-%s.png" % name)
            with open(path, "wb") as handle:
                handle.write(shot)
            colours = distinct_colours(shot)
            print("%s screenshot %s: %d distinct colours" % (name, path, colours))
            if colours < 16:
                failures.append("%s screenshot looks blank (%d colours)" % (name, colours))
    except Exception as error:  # a broken browser session is a failure, with the reason
        failures.append("browser session failed: %r" % (error,))
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    for failure in failures:
        print("FAIL:", failure)
    print("browser check:", "FAIL" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
