"""Write the illustrative demo dataset in ``data/demo/`` (amplify's JSON Lines records).

The dataset is modelled on DFRLab's published investigation of the false "NATO center
in Kazakhstan" claim (October 2023): the channels it names with their published
subscriber counts, the AsiaToday post (about 87,000 views, about 600 shares), the
milblogger amplifications (more than 2 million views together), the news channel with
1.5 million subscribers (more than 500,000 views), state media the same day and the
defence ministry's denial. **Every post text is written for the demo**; none is copied
from a real channel, and usernames carry a ``demo_`` prefix so no t.me link in a demo
report points at a real post.

Run ``python scripts/build_demo_data.py`` to regenerate; the output is deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from amplify.records import Channel, ChannelStats, Post, PostLink

OUT = Path(__file__).resolve().parents[1] / "data" / "demo"
ROOT_AT = datetime(2023, 10, 24, 10, 12, tzinfo=UTC)
COLLECTED = [ROOT_AT + timedelta(hours=h) for h in (2, 8, 26, 72)]  # four collection passes
SNAPSHOT = datetime(2023, 10, 24, 0, 0, tzinfo=UTC)
VIDEO_ID = 5_412_390_771_204_118_001
DENIAL_PHOTO = 5_412_390_771_204_119_377


@dataclass(frozen=True)
class DemoChannel:
    channel_id: int
    username: str
    title: str
    subscribers: int
    about: str
    err: float  # typical views / subscribers for ordinary posts


CHANNELS = [
    DemoChannel(
        1810000001, "demo_AsiaToday", "AsiaToday", 100_000, "Новости Центральной Азии", 0.22
    ),
    DemoChannel(
        1810000002, "demo_sladkov_plus", "Sladkov+", 932_000, "Военкор. Репортажи с передовой", 0.28
    ),
    DemoChannel(1810000003, "demo_kotsnews", "Kotsnews", 568_000, "Военный корреспондент", 0.35),
    DemoChannel(1810000004, "demo_rudenko_v", "Reporter Rudenko V", 250_000, "Репортёр", 0.30),
    DemoChannel(1810000005, "demo_turned_on_z_war", "Turned on Z War", 726_000, "Z-блог", 0.25),
    DemoChannel(
        1810000006,
        "demo_operation_z",
        "Operation Z: Military Bloggers",
        1_300_000,
        "Военкоры Русской весны",
        0.22,
    ),
    DemoChannel(1810000007, "demo_rybar", "Rybar", 1_100_000, "Аналитика и карты", 0.30),
    DemoChannel(1810000008, "demo_medvedev_andrei", "Andrei Medvedev", 173_000, "Журналист", 0.40),
    DemoChannel(
        1810000009,
        "demo_earlier_than_others",
        "Earlier Than Others – Almost",
        1_500_000,
        "Новости раньше всех",
        0.25,
    ),
    DemoChannel(
        1810000010, "demo_sputnik_kz", "Sputnik Kazakhstan", 160_000, "Новости Казахстана", 0.15
    ),
    DemoChannel(
        1810000011, "demo_tass_agency", "TASS", 1_200_000, "Информационное агентство", 0.05
    ),
    DemoChannel(
        1810000012,
        "demo_mod_kz",
        "Ministry of Defence of Kazakhstan",
        45_000,
        "Официальный канал Министерства обороны РК",
        0.30,
    ),
    DemoChannel(1810000013, "demo_agentstvo", "Agentstvo", 280_000, "Независимое издание", 0.30),
]
BY_NAME = {c.title: c for c in CHANNELS}

ROOT_TEXT = (
    "В Казахстане открылся центр НАТО. Посол США лично перерезал красную ленточку на "
    "торжественной церемонии открытия вместе с казахстанскими генералами, а военных "
    "республики теперь будут готовить по стандартам альянса. Официально объект называют "
    "учебным центром, но все понимают, чей это проект и зачем он появился именно сейчас, "
    "рядом с нашими границами. Смотрите видео с церемонии."
)


def _amplifications() -> list[dict]:
    """The narrative's posts after the root: who, when (minutes after), how, views."""
    asia = BY_NAME["AsiaToday"]
    link = f"https://t.me/{asia.username}/{4127}"
    return [
        dict(
            ch="Andrei Medvedev",
            at=19,
            views=110_000,
            links=[link],
            text=f"Казахстан пускает НАТО к себе домой. Подробности: {link}",
        ),
        dict(ch="Sladkov+", at=55, views=340_000, forward=True),
        dict(ch="Reporter Rudenko V", at=71, views=130_000, forward=True),
        dict(
            ch="Kotsnews",
            at=96,
            views=310_000,
            video=True,
            text=ROOT_TEXT + " Астана, это точно дружба?",
        ),
        dict(
            ch="Rybar",
            at=140,
            views=410_000,
            video=True,
            text="Коротко: " + ROOT_TEXT + " Совпадение? Не думаем.",
        ),
        dict(
            ch="Operation Z: Military Bloggers",
            at=185,
            views=450_000,
            video=True,
            text="Церемония под Алматы: американский посол и казахстанские генералы "
            "открывают объект, который готовит военных по натовским лекалам.",
        ),
        dict(
            ch="Turned on Z War",
            at=230,
            views=260_000,
            text=ROOT_TEXT + " Видимо, пример Украины поняли не все.",
        ),
        dict(ch="Earlier Than Others – Almost", at=262, views=520_000, forward=True),
        dict(
            ch="Sputnik Kazakhstan",
            at=300,
            views=24_000,
            links=[link],
            text=f"Sputnik направил запрос в Минобороны РК по поводу сообщений о «центре "
            f"НАТО», которые распространяют телеграм-каналы: {link}",
        ),
    ]


def _post(
    channel: DemoChannel, message_id: int, date: datetime, views: int, collected: datetime, **fields
) -> Post:
    text = fields.pop("text", None)
    links = tuple(fields.pop("links", ()))
    date = date.replace(microsecond=0)  # Telegram dates are whole seconds
    return Post(
        channel_id=channel.channel_id,
        message_id=message_id,
        date=date,
        collected_at=collected,
        text=text,
        views=views,
        links=links,
        **fields,
    )


def _trajectory(hours_since: float) -> float:
    """Share of final views reached after ``hours_since`` hours (a saturating curve)."""
    if hours_since <= 0:
        return 0.0
    return 1 - 0.5 ** (hours_since / 5)


def narrative_posts() -> list[Post]:
    """The root and its amplifications, each observed at every collection pass."""
    asia = BY_NAME["AsiaToday"]
    posts = []
    specs = [
        dict(ch="AsiaToday", at=0, views=87_000, video=True, text=ROOT_TEXT, forwards=600, mid=4127)
    ] + _amplifications()
    for index, spec in enumerate(specs):
        channel = BY_NAME[spec["ch"]]
        date = ROOT_AT + timedelta(minutes=spec["at"])
        message_id = spec.get("mid", 9000 + index * 7)
        fields: dict = {}
        if spec.get("forward"):
            fields |= dict(
                fwd_channel_id=asia.channel_id,
                fwd_message_id=4127,
                fwd_date=ROOT_AT,
                fwd_name=asia.title,
                text=ROOT_TEXT,
                media_kind="video",
                media_id=VIDEO_ID,
                media_size=18_234_112,
                media_duration=48.0,
            )
        if spec.get("video"):
            fields |= dict(
                media_kind="video", media_id=VIDEO_ID, media_size=18_234_112, media_duration=48.0
            )
        if "text" in spec:
            fields["text"] = spec["text"]
        if "links" in spec:
            fields["links"] = [PostLink(asia.username.lower(), None, 4127)]
        for collected in COLLECTED:
            hours = (collected - date).total_seconds() / 3600
            if hours <= 0:
                continue
            share = _trajectory(hours) / _trajectory(72 - spec["at"] / 60)
            views = max(1, round(spec["views"] * min(share, 1.0)))
            forwards = round(spec.get("forwards", spec["views"] // 900) * min(share, 1.0))
            posts.append(
                _post(
                    channel,
                    message_id,
                    date,
                    views,
                    collected,
                    forwards=forwards,
                    reactions_total=views // 120,
                    **fields,
                )
            )
    return posts


def reaction_posts() -> list[Post]:
    """The denial, the observer and state media rewriting the story the same day."""
    collected = COLLECTED[-1]
    mod, agentstvo, tass = (
        BY_NAME["Ministry of Defence of Kazakhstan"],
        BY_NAME["Agentstvo"],
        BY_NAME["TASS"],
    )
    return [
        _post(
            agentstvo,
            20311,
            ROOT_AT + timedelta(hours=5, minutes=40),
            96_000,
            collected,
            text="Z-блогеры разгоняют видео из учебного центра миротворцев под Алматы и "
            "называют его «центром НАТО». На деле это KAZCENT — центр подготовки "
            "миротворцев ООН.",
        ),
        _post(
            mod,
            812,
            ROOT_AT + timedelta(hours=7, minutes=5),
            38_000,
            collected,
            media_kind="photo",
            media_id=DENIAL_PHOTO,
            text="Министерство обороны Республики Казахстан опровергает сообщения об открытии "
            "«центра НАТО». Открыт конференц-зал Центра миротворческих операций "
            "(KAZCENT), который готовит миротворцев по программам ООН.",
        ),
        _post(
            tass,
            77120,
            ROOT_AT + timedelta(hours=8, minutes=30),
            61_000,
            collected,
            text="Кремль ожидает от Астаны разъяснений в связи с сообщениями об открытии "
            "центра НАТО на территории Казахстана, заявил официальный представитель.",
        ),
        _post(
            BY_NAME["Turned on Z War"],
            9120,
            ROOT_AT + timedelta(hours=9),
            214_000,
            collected,
            text="Кто не понимает по-хорошему, с тем говорят на понятном ему языке. "
            "Казахстану стоит задуматься, куда ведёт дружба с альянсом.",
        ),
    ]


OPENERS = [
    "Сводка: обстановка в районе {place} остаётся напряжённой, {who} сообщает о {thing}.",
    "Курс тенге к рублю на {day} изменился на {n} пунктов, эксперты ждут {thing}.",
    "В {place} прошли переговоры: {who} и партнёры обсудили {thing}.",
    "Погода: в {place} к {day} ожидается похолодание до минус {n} градусов.",
    "Спорт: в {place} сборная сыграла вничью, следующий матч в {day}.",
    "Экономика: {thing} подорожали на {n}% за неделю, пишет {who}.",
    "Kazakhstan and its partners discussed {thing_en} in {place_en} on {day_en}.",
    "Қазақстанда {day_kz} күні {thing_kz} бойынша жаңа ереже қабылданды.",
]
CLOSERS = [
    "Подробности позже.",
    "Следим за развитием событий.",
    "Источник: {who}.",
    "Фото: пресс-служба.",
    "Мнение редакции может не совпадать.",
    "Пишите в комментариях.",
    "Главное за день — в нашем канале.",
    "Это уже {n}-й случай с начала года.",
]
DETAILS = [
    "По данным на {day}, обращений стало {n}.",
    "{who} обещает ответ до конца недели.",
    "В {place} это обсуждают уже {n} дней.",
    "Ранее {who} называл {thing} приоритетом.",
    "Решение ждут в {day}, пишет {who}.",
    "Очевидцы в {place} рассказали о {thing}.",
    "Рост за месяц составил {n}%.",
    "Комментарии {who} мы опубликуем отдельно.",
]
SLOTS = dict(
    place=[
        "Алматы",
        "Астаны",
        "Донецка",
        "Москвы",
        "Бишкека",
        "Ташкента",
        "Шымкента",
        "Караганды",
        "Актау",
        "Павлодара",
    ],
    who=[
        "министерство",
        "акимат",
        "губернатор",
        "источник в правительстве",
        "наш корреспондент",
        "пресс-служба",
        "эксперты",
        "местные жители",
    ],
    thing=[
        "поставки зерна",
        "новые тарифы",
        "строительство моста",
        "цены на газ",
        "бензин",
        "логистику",
        "пошлины",
        "ремонт дорог",
        "миграцию",
        "урожай",
    ],
    day=["понедельник", "вторник", "среду", "четверг", "пятницу", "выходные"],
    thing_en=["grain transit", "energy prices", "a new rail link", "customs rules"],
    place_en=["Astana", "Almaty", "Brussels", "Tashkent"],
    day_en=["Monday", "Tuesday", "Thursday", "Friday"],
    thing_kz=["көлік", "салық", "білім беру", "денсаулық сақтау"],
    day_kz=["дүйсенбі", "сейсенбі", "жұма"],
)
# Posts that mention NATO or the other narrative without belonging to the case.
KEYWORD_HITS = [
    ("Rybar", "Учения НАТО в Польше: альянс перебрасывает технику к белорусской границе."),
    ("TASS", "Центр НАТО по кибербезопасности в Таллине опубликовал ежегодный доклад."),
    ("Kotsnews", "NATO center of excellence in Riga hosts a conference on information threats."),
]
BIOLAB_TEXT = (
    "Биолаборатории США в Центральной Азии: снова вопросы без ответов. Местные депутаты "
    "требуют открыть документы о финансировании лабораторий и допустить независимых "
    "экспертов, а профильное ведомство отвечает, что все объекты гражданские."
)


def _fill(rng: random.Random, template: str) -> str:
    values = {key: rng.choice(options) for key, options in SLOTS.items()}
    return template.format(n=rng.randint(2, 40), **values)


def background_posts(seed: int = 2023) -> list[Post]:
    """Ordinary posts over the surrounding weeks, a few keyword hits, another narrative."""
    rng = random.Random(seed)
    posts: list[Post] = []
    start = datetime(2023, 10, 1, 6, 0, tzinfo=UTC)
    for channel in CHANNELS:
        for n in range(40):
            date = start + timedelta(hours=rng.uniform(0, 35 * 24))
            opener, closer = _fill(rng, rng.choice(OPENERS)), _fill(rng, rng.choice(CLOSERS))
            detail = _fill(rng, rng.choice(DETAILS))
            text = f"{opener} {detail} {closer}"
            views = round(channel.subscribers * channel.err * rng.lognormvariate(0, 0.35))
            posts.append(
                _post(
                    channel, 100 + n, date, views, COLLECTED[-1], text=text, forwards=views // 1500
                )
            )
    for i, (name, text) in enumerate(KEYWORD_HITS):
        channel = BY_NAME[name]
        posts.append(
            _post(
                channel,
                600 + i,
                start + timedelta(days=5 + 7 * i),
                round(channel.subscribers * channel.err),
                COLLECTED[-1],
                text=text,
            )
        )
    posts += _ordinary_forwards(rng, posts)
    source = BY_NAME["Andrei Medvedev"]  # the unrelated narrative: a small cascade of forwards
    biolab = _post(
        source,
        650,
        datetime(2023, 10, 12, 8, 30, tzinfo=UTC),
        52_000,
        COLLECTED[-1],
        text=BIOLAB_TEXT,
    )
    posts.append(biolab)
    for i, name in enumerate(["Rybar", "Kotsnews", "Sladkov+"]):
        channel = BY_NAME[name]
        posts.append(
            _post(
                channel,
                700 + i,
                biolab.date + timedelta(hours=2 + i),
                round(channel.subscribers * 0.18),
                COLLECTED[-1],
                text=BIOLAB_TEXT,
                fwd_channel_id=source.channel_id,
                fwd_message_id=biolab.message_id,
                fwd_date=biolab.date,
                fwd_name=source.title,
            )
        )
    return posts


def _forward(
    channel: DemoChannel, message_id: int, original: Post, delay: timedelta, views: int
) -> Post:
    source = next(c for c in CHANNELS if c.channel_id == original.channel_id)
    return _post(
        channel,
        message_id,
        original.date + delay,
        views,
        COLLECTED[-1],
        text=original.text,
        fwd_channel_id=source.channel_id,
        fwd_message_id=original.message_id,
        fwd_date=original.date,
        fwd_name=source.title,
    )


def _ordinary_forwards(rng: random.Random, originals: list[Post]) -> list[Post]:
    """Everyday forwards between channels, and one pair that forwards in lockstep.

    Operation Z and Turned on Z War forward the same four posts within 20-45 seconds
    of each other — the pattern ``amplify coordination`` is there to flag.
    """
    posts = []
    pool = [p for p in originals if p.message_id < 600]
    for i in range(18):
        original = rng.choice(pool)
        channel = rng.choice([c for c in CHANNELS if c.channel_id != original.channel_id])
        delay = timedelta(minutes=rng.uniform(10, 600))
        posts.append(
            _forward(
                channel, 800 + i, original, delay, round(channel.subscribers * channel.err * 0.8)
            )
        )
    lockstep = (BY_NAME["Operation Z: Military Bloggers"], BY_NAME["Turned on Z War"])
    sources = [p for p in pool if p.channel_id not in {c.channel_id for c in lockstep}]
    for i, original in enumerate(rng.sample(sources, 4)):
        first = timedelta(minutes=rng.uniform(5, 30))
        for j, channel in enumerate(lockstep):
            delay = first + timedelta(seconds=rng.uniform(20, 45) * j)
            posts.append(
                _forward(
                    channel,
                    850 + i,
                    original,
                    delay,
                    round(channel.subscribers * channel.err * 0.7),
                )
            )
    return posts


def channel_records() -> tuple[list[Channel], list[ChannelStats]]:
    channels = [
        Channel(
            c.channel_id,
            c.username,
            c.title,
            c.about + " (демо-данные)",
            broadcast=True,
            verified=False,
            scam=False,
        )
        for c in CHANNELS
    ]
    stats = [ChannelStats(c.channel_id, SNAPSHOT, c.subscribers) for c in CHANNELS]
    return channels, stats


def main() -> None:
    from collectors.records_jsonl import write_jsonl

    OUT.mkdir(parents=True, exist_ok=True)
    channels, stats = channel_records()
    write_jsonl([*channels, *stats], OUT / "channels.jsonl")
    posts = sorted(
        narrative_posts() + reaction_posts() + background_posts(),
        key=lambda p: (p.collected_at, p.channel_id, p.message_id),
    )
    write_jsonl(posts, OUT / "posts.jsonl")
    print(f"wrote {len(channels)} channels and {len(posts)} post observations to {OUT}")


if __name__ == "__main__":
    main()
