"""A large, realistic Chinese catalog for search benchmarks, as unified `Product` records.

Titles are built the way marketplace titles are (and the demo catalog builds them, whose
vocabulary of ~600 words this reuses: scripts/make_demo_catalog.py): [shop] [brand] head noun
tails [marketing words] [model code]. Product lines, marketing words and shop names are drawn
with Zipf-like weights, so term frequencies are skewed the way real ones are: a few words
(女, 款, 新款, 手机壳) are in a large share of titles, most shop names and model codes in a handful.
Deterministic for a seed; the first N products are the same whatever the total.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from integrations.types import Availability, Offer, Product, Sku
from scripts.make_demo_catalog import CATEGORIES

MARKETPLACE = "taobao"

# Marketing words sellers stuff titles with, most common first.
HYPE = (
    "2026新款 新款 爆款 包邮 正品 高颜值 ins风 百搭 网红同款 加厚 韩版 简约 男女同款 大容量 "
    "便携 情侣款 秋冬 夏季 春秋 高级感 小众 复古 日系 国潮 礼物 送礼 现货 特价 工厂直销 "
    "定制 批发 清仓 旗舰店 官方 限量 联名 小红书推荐 抖音同款 学生党 宝妈 办公室 宿舍 "
    "加大码 显瘦 无痕 轻奢 极简 北欧风 新中式 法式 美式 港风 原创设计 手工 环保 耐用"
).split()
# Syllables of invented shop names ("云月家", "青木坊"): thousands of names, most of them rare.
SHOP_A = "云星月山川海风花木石金玉青白乐美优佳尚雅悦禾田林溪竹梅兰桃"
SHOP_B = "记坊屋铺社堂阁居园斋舍馆"
MODEL_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _zipf(n: int, s: float) -> list[float]:
    """Cumulative weights 1/rank^s for n items (for random.choices(cum_weights=...))."""
    return list(accumulate(1 / (rank**s) for rank in range(1, n + 1)))


class Generator:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        order = random.Random(seed + 1)
        self.lines = [(cat, line) for cat in CATEGORIES for line in cat.lines]
        order.shuffle(self.lines)  # which product line is the most common is arbitrary
        self.line_weights = _zipf(len(self.lines), 0.8)
        self.hype_weights = _zipf(len(HYPE), 1.0)
        self.shops = [a + b + c for a in SHOP_A for b in SHOP_A if a != b for c in SHOP_B]
        order.shuffle(self.shops)
        self.shop_weights = _zipf(len(self.shops), 1.1)

    def product(self, number: int) -> Product:
        rng = self.rng
        cat, line = rng.choices(self.lines, cum_weights=self.line_weights)[0]
        brand = rng.choice(cat.brands)
        parts: list[str] = []
        if rng.random() < 0.35:
            parts.append(rng.choices(self.shops, cum_weights=self.shop_weights)[0])
        if brand != "无品牌" and rng.random() < 0.5:
            parts.append(brand)
        parts.append(rng.choice(line.heads) + line.noun)
        parts.extend(rng.sample(line.tails, k=min(len(line.tails), rng.randint(1, 3))))
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            parts.append(rng.choices(HYPE, cum_weights=self.hype_weights)[0])
        if rng.random() < 0.15:
            parts.append(f"{rng.choice(MODEL_LETTERS)}{rng.randint(1, 999)}")
        # Marketplace titles run words together, sometimes with spaces between groups.
        title = "".join(p + (" " if rng.random() < 0.3 else "") for p in parts).strip()
        low, high = line.price
        price = round(rng.uniform(low, high)) - Decimal("0.1")
        if price <= 0:
            price = Decimal("4.9")
        external_id = f"S{number}"
        colors = rng.sample(line.colors, k=min(len(line.colors), rng.choice((1, 1, 2))))
        skus = []
        for k, color in enumerate(colors or [""]):
            availability = (
                Availability.OUT_OF_STOCK if rng.random() < 0.07 else Availability.IN_STOCK
            )
            skus.append(
                Sku(
                    f"{external_id}-{k}",
                    Offer(price + k * 2, "CNY"),
                    availability=availability,
                    attributes={"color": color} if color else {},
                )
            )
        return Product(
            MARKETPLACE,
            external_id,
            title,
            tuple(skus),
            url=f"https://item.example.cn/{external_id}",
            image_url=f"https://img.example.cn/{external_id}.jpg",
            category=f"{cat.top} > {line.sub}",
            brand=brand,
        )


def products(n: int, seed: int = 7) -> Iterator[Product]:
    gen = Generator(seed)
    for number in range(n):
        yield gen.product(number)


if __name__ == "__main__":
    for p in products(int(sys.argv[1]) if len(sys.argv) > 1 else 20):
        print(p.title, "|", p.category, "|", [str(s.offer.price) for s in p.skus])
