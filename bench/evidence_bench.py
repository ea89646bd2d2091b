"""Benchmark of material images (材料影像): bytes per A4 page, and their upload over a simulated 2G link.

1. Pages: A4 sheets at 300 dpi as a scanner or phone saves them — a printed form in Chinese (clean scan), the
   same photographed (grey cast, shadow, skew, sensor noise), an ID card copy on an otherwise white sheet — each
   made a material image by the counter's own code (``desktop.services.evidence.compress_page``): bytes and ms.
2. Upload: ``--pages`` images attached to one case, synced by ``desktop.services.syncing.run_sync`` to a county
   on loopback through ``bench.sync_net.LinkProxy`` at 2G (32 kbit/s each way, 1.3 s RTT, ``--drop`` of
   requests cut mid-transfer): wall time, bytes on the link per image byte, and how long a record made while the
   images go waits before the county holds it.

3. Backlog (``--backlog-mb 20``): that many MB of pages (a new form scan and its phone photo in turn, each with
   its own signature scrawl, four to a case) waiting at once, uploaded while the point keeps recording: a new
   case every ``--every`` seconds of real time, each timed from its save until the county holds it. Real-rate
   2G would take about two hours, so the link is time-scaled by ``--scale`` S: the proxy runs at S × 4000 B/s
   with an RTT of 1.3 s / S, the records come S times as often, and every time measured is multiplied by S to
   give its real-rate equivalent (the county's and the counter's CPU time per request is not scaled down, so
   the equivalents are upper bounds; the pure link time is given beside them).

Run: ``.venv/bin/python -m bench.evidence_bench`` (about 3 minutes with the default two pages);
``.venv/bin/python -m bench.evidence_bench --backlog-mb 20 --scale 16`` for the backlog (about 10 minutes).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import uvicorn
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from sqlalchemy import select

from bench.sync_net import LinkProxy
from county.api.app import create_app
from county.config import Settings
from county.db import make_engine, session_factory, upgrade
from county.models import LedgerEvent
from county.services import admin, trainings
from county.services.pii import new_key
from desktop.services.activation import activate
from desktop.services.case_detail import load_detail
from desktop.services.evidence import attach_bytes, compress_page
from desktop.services.session import Counter
from desktop.settings import Settings as CounterSettings
from resources import path as resource_path
from sync.clock import china_today
from sync.ledger.catalogue import load_catalogue
from sync.ledger.forms import CaseForm, draft_case

A4_300DPI = (2480, 3508)
RATE_2G = 4000  # bytes/s each way: 32 kbit/s
RTT_2G = 1.3
LINES = (
    "个体工商户登记（备案）申请书",
    "经营者姓名：王秀英    联系电话：139 7981 2345",
    "经营场所：浮梁县瑶里镇瑶里村东河路 18 号",
    "组成形式：个人经营    经营范围：日用百货零售、预包装食品销售",
    "本人承诺所提交的材料真实有效，并对其真实性负责。",
)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(resource_path("fonts", "wqy-microhei.ttc")), size)


def printed_form(rng: random.Random) -> Image.Image:
    """A filled-in A4 form: a title, boxes, 40 lines of Chinese text and a signature scrawl."""
    page = Image.new("L", A4_300DPI, 250)
    draw = ImageDraw.Draw(page)
    draw.text((620, 200), LINES[0], font=_font(90), fill=20)
    body = _font(48)
    for n in range(40):
        top = 420 + n * 72
        draw.text((220, top), LINES[1 + n % 4] if n % 5 else LINES[1 + (n // 5) % 4], font=body, fill=25)
        if n % 8 == 0:
            draw.rectangle((200, top - 10, 2280, top + 66), outline=60, width=3)
    points = [(1700 + k * 12, 3250 + int(40 * rng.random())) for k in range(40)]
    draw.line(points, fill=10, width=5)
    return page


def photographed(page: Image.Image, rng: random.Random) -> Image.Image:
    """The same sheet taken with a phone: grey cast, a shadow across one side, a slight turn, sensor noise."""
    shadow = Image.linear_gradient("L").resize(page.size).point(lambda v: 255 - v // 3)
    dimmed = Image.composite(page, Image.new("L", page.size, 150), shadow)
    turned = dimmed.rotate(1.7, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=90)
    noise = Image.effect_noise((page.width // 2, page.height // 2), 18).resize(page.size)
    return Image.blend(turned, noise, 0.10).filter(ImageFilter.GaussianBlur(0.6))


def id_card_copy(rng: random.Random) -> Image.Image:
    """Both sides of an ID card copied onto one white A4 sheet."""
    page = Image.new("L", A4_300DPI, 252)
    draw = ImageDraw.Draw(page)
    for top in (500, 1700):
        draw.rounded_rectangle((640, top, 1650, top + 640), radius=40, fill=215, outline=120, width=4)
        for k, text in enumerate(
            ("姓名 王秀英", "性别 女  民族 汉", "住址 江西省浮梁县瑶里镇", "公民身份号码 3602**********1237")
        ):
            draw.text((700, top + 60 + k * 120), text, font=_font(52), fill=30)
    return page


def _jpeg(image: Image.Image, quality: int = 92) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def measure_pages(rng: random.Random) -> list[dict]:
    form = printed_form(rng)
    kinds = {
        "printed form, 300 dpi scan": form,
        "printed form, phone photo": photographed(form, rng),
        "ID card copy, 300 dpi scan": id_card_copy(rng),
    }
    rows = []
    for name, image in kinds.items():
        source = _jpeg(image)
        started = time.perf_counter()
        page = compress_page(source)
        rows.append(
            {
                "page": name,
                "source_bytes": len(source),
                "image_bytes": len(page),
                "compress_ms": round((time.perf_counter() - started) * 1000),
                "_bytes": page,
            }
        )
    return rows


def _serve(app) -> tuple[uvicorn.Server, threading.Thread, str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def _activation_code(engine) -> str:
    with session_factory(engine)() as session:
        admin.create_township(session, "瑶里镇", actor="bench")
        point = admin.create_point(session, "瑶里村小卖部", "瑶里镇", actor="bench")
        training = trainings.create_session(session, china_today(), "县政务服务中心三楼", "张老师", actor="bench")
        trainings.attend(session, training.id, point=point, name="王秀英", actor="bench")  # an account needs it
        account = admin.create_account(session, point.code, "王秀英", actor="bench")
        code = admin.issue_activation_code(session, account.id, ttl=timedelta(hours=1), actor="bench").code
        session.commit()
    return code


def _case(catalogue) -> CaseForm:
    item = catalogue.by_code("FL015")
    return CaseForm(
        item_code="FL015",
        mode="point",
        applicant_kind="person",
        name="王秀英",
        id_number="360222195603141237",
        mobile="13979812345",
        village="瑶里村",
        amount="",
        notes="",
        consent=True,
        materials={m.code: "received" for m in item.guide.materials},
    )


def measure_upload(pages: list[bytes], *, drop: float, seed: int) -> dict:
    from desktop.services import syncing

    catalogue = load_catalogue()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        engine = make_engine(f"sqlite:///{folder / 'county.db'}")
        upgrade(engine)
        settings = Settings(database_url="(bench)", pii_key=new_key(), evidence_dir=str(folder / "evidence"))
        server, thread, url = _serve(create_app(settings, engine))
        try:
            code = _activation_code(engine)
            with LinkProxy(url, rate=RATE_2G, rtt=RTT_2G, drop_rate=drop, seed=seed) as link:
                store = activate(link.url, code, folder / "counter", "bench-password-2026").store
                counter = Counter(store, catalogue, CounterSettings(folder / "counter"))
                (recorded,) = counter.append(draft_case(_case(catalogue), catalogue))
                detail = load_detail(counter, recorded.body["case_id"])
                codes = [m.code for m in detail.item.guide.materials]
                for k, page in enumerate(pages):
                    attach_bytes(counter, detail, codes[k % len(codes)], page)
                late: dict = {}

                def record_meanwhile() -> None:
                    while not any(e.path.startswith("/api/v1/evidence") for e in list(link.stats.exchanges)):
                        time.sleep(0.05)
                    time.sleep(5)  # a record made while an image is on its way
                    (event,) = counter.append(draft_case(_case(catalogue), catalogue))
                    late["at"] = time.monotonic()
                    while True:
                        with session_factory(engine)() as session:
                            if session.scalar(select(LedgerEvent.id).where(LedgerEvent.event_id == event.event_id)):
                                late["waited_s"] = round(time.monotonic() - late["at"], 1)
                                return
                        time.sleep(0.1)

                watcher = threading.Thread(target=record_meanwhile, daemon=True)
                watcher.start()
                started, runs, images_done = time.monotonic(), 0, 0
                while images_done < len(pages) and runs < 200:  # a run cut by a dropped connection: the next goes on
                    outcome = syncing.run_sync(counter)  # the records first, then the images
                    images_done += outcome.images.images_done if outcome.images else 0
                    runs += 1
                wall = time.monotonic() - started
                watcher.join(timeout=60)
                after = link.totals("/api/v1/evidence")
                counter.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    image_bytes = sum(len(p) for p in pages)
    up = after.get("up", 0)
    return {
        "images": len(pages),
        "image_bytes": image_bytes,
        "wall_s": round(wall, 1),
        "runs": runs,
        "link_bytes_up": up,
        "overhead": round(up / image_bytes - 1, 3),
        "record_waited_s": late.get("waited_s"),
        "drop": drop,
    }


def backlog_pages(megabytes: float, seed: int) -> list[bytes]:
    """Material images of ``megabytes`` MB in all: a form scan and its photo in turn, each sheet its own."""
    rng, pages, total = random.Random(seed), [], 0
    while total < megabytes * 1_000_000:
        form = printed_form(rng)
        for image in (form, photographed(form, rng)):
            pages.append(compress_page(_jpeg(image)))
            total += len(pages[-1])
    return pages


def measure_backlog(pages: list[bytes], *, scale: float, every: float, drop: float, seed: int) -> dict:
    """Upload ``pages`` over 2G time-scaled by ``scale`` while a case is recorded every ``every`` real seconds."""
    from desktop.services import syncing

    catalogue = load_catalogue()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        engine = make_engine(f"sqlite:///{folder / 'county.db'}")
        upgrade(engine)
        settings = Settings(database_url="(bench)", pii_key=new_key(), evidence_dir=str(folder / "evidence"))
        server, thread, url = _serve(create_app(settings, engine))
        try:
            code = _activation_code(engine)
            with LinkProxy(url, rate=RATE_2G * scale, rtt=RTT_2G / scale, drop_rate=drop, seed=seed) as link:
                store = activate(link.url, code, folder / "counter", "bench-password-2026").store
                counter = Counter(store, catalogue, CounterSettings(folder / "counter"))
                for first in range(0, len(pages), 4):
                    (recorded,) = counter.append(draft_case(_case(catalogue), catalogue))
                    detail = load_detail(counter, recorded.body["case_id"])
                    codes = [m.code for m in detail.item.guide.materials]
                    for k, page in enumerate(pages[first : first + 4]):
                        attach_bytes(counter, detail, codes[k % len(codes)], page)
                waits: list[float] = []
                done = threading.Event()

                def keep_recording() -> None:
                    while not done.wait(every / scale):
                        (event,) = counter.append(draft_case(_case(catalogue), catalogue))
                        made = time.monotonic()
                        while not done.is_set():
                            with session_factory(engine)() as session:
                                held = session.scalar(
                                    select(LedgerEvent.id).where(LedgerEvent.event_id == event.event_id)
                                )
                            if held:
                                waits.append(time.monotonic() - made)
                                break
                            time.sleep(0.02)

                recorder = threading.Thread(target=keep_recording, daemon=True)
                started, runs, images_done = time.monotonic(), 0, 0
                recorder.start()
                while images_done < len(pages) and runs < 5000:  # a run cut by a dropped connection: the next goes on
                    outcome = syncing.run_sync(counter)
                    images_done += outcome.images.images_done if outcome.images else 0
                    runs += 1
                wall = time.monotonic() - started
                done.set()
                recorder.join(timeout=60)
                images = link.totals("/api/v1/evidence")
                pushes = link.totals("/api/v1/push")
                counter.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    image_bytes = sum(len(p) for p in pages)
    chunks = sum(-(-len(p) // (16 * 1024)) for p in pages)
    waits.sort()
    real = [w * scale for w in waits]
    return {
        "scale": scale,
        "images": len(pages),
        "image_bytes": image_bytes,
        "kb_per_page": round(image_bytes / len(pages) / 1024, 1),
        "images_done": images_done,
        "wall_s": round(wall, 1),
        "real_equivalent_s": round(wall * scale),
        "link_only_real_s": round(image_bytes / RATE_2G + chunks * RTT_2G),
        "runs": runs,
        "image_requests": images["requests"],
        "image_bytes_up": images["up"],
        "overhead": round(images["up"] / image_bytes - 1, 3),
        "dropped": images["dropped"] + pushes["dropped"],
        "records": len(waits),
        "pushes": pushes["requests"],
        "record_wait_real_s": {
            "median": round(real[len(real) // 2], 1) if real else None,
            "p95": round(real[min(len(real) - 1, int(len(real) * 0.95))], 1) if real else None,
            "max": round(real[-1], 1) if real else None,
        },
        "every_real_s": every,
        "drop": drop,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="images uploaded over the 2G link (default 2)")
    parser.add_argument("--drop", type=float, default=0.05, help="share of requests cut mid-transfer (default 0.05)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backlog-mb", type=float, default=0, help="run the backlog instead: MB of pages (e.g. 20)")
    parser.add_argument("--scale", type=float, default=16, help="backlog: link rate × S, RTT / S (default 16)")
    parser.add_argument("--every", type=float, default=60, help="backlog: a new case every N real seconds")
    args = parser.parse_args(argv)
    if args.backlog_mb:
        return _backlog(args)
    rng = random.Random(args.seed)
    pages = measure_pages(rng)
    for row in pages:
        print(
            f"{row['page']:32} source {row['source_bytes'] / 1024:7.0f} KB → {row['image_bytes'] / 1024:5.0f} KB"
            f" in {row['compress_ms']} ms"
        )
    chosen = [pages[k % len(pages)]["_bytes"] for k in range(args.pages)]
    upload = measure_upload(chosen, drop=args.drop, seed=args.seed)
    print(
        f"2G upload: {upload['images']} images, {upload['image_bytes'] / 1024:.0f} KB in {upload['wall_s']} s"
        f" ({upload['runs']} runs), link bytes up {upload['link_bytes_up'] / 1024:.0f} KB"
        f" (+{upload['overhead'] * 100:.1f}%), a record made meanwhile waited {upload['record_waited_s']} s"
    )
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    result = {"pages": [{k: v for k, v in row.items() if k != "_bytes"} for row in pages], "upload": upload}
    (out / f"evidence_bench-{stamp}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def _backlog(args) -> int:
    started = time.perf_counter()
    pages = backlog_pages(args.backlog_mb, args.seed)
    made_s = time.perf_counter() - started
    print(f"backlog: {len(pages)} pages, {sum(map(len, pages)) / 1e6:.1f} MB, made in {made_s:.0f} s", flush=True)
    result = measure_backlog(pages, scale=args.scale, every=args.every, drop=args.drop, seed=args.seed)
    waits = result["record_wait_real_s"]
    print(
        f"2G ×{args.scale:g}: {result['images_done']}/{result['images']} images in {result['wall_s']} s"
        f" = {result['real_equivalent_s'] / 3600:.2f} h at real rate (link alone {result['link_only_real_s'] / 3600:.2f} h),"
        f" {result['runs']} runs, {result['dropped']} requests cut; {result['records']} records meanwhile waited"
        f" (real-rate) median {waits['median']} s, p95 {waits['p95']} s, max {waits['max']} s"
    )
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"evidence_backlog-{stamp}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
