"""Generate a Google Merchant feed of N items (variants grouped 4 to a product) for benchmarks."""

from __future__ import annotations

import random
from xml.sax.saxutils import escape

WORDS = "手机壳 透明 防摔 硅胶 卫衣 加绒 女款 男款 运动鞋 透气 保温杯 不锈钢 蓝牙耳机 降噪 口红 哑光 帆布包 大容量".split()
COLORS = ["黑色", "白色", "红色", "蓝色"]


def item_xml(i: int, price: float, rng: random.Random) -> str:
    group = i // 4
    title = " ".join(rng.sample(WORDS, 4))
    return (
        f"<item><g:id>B{i}</g:id><title>{escape(title)} {COLORS[i % 4]}</title>"
        f"<link>https://shop.example.cn/item/{group}</link>"
        f"<g:image_link>https://img.example.cn/{i}.jpg</g:image_link>"
        f"<g:price>{price:.2f} CNY</g:price><g:availability>in_stock</g:availability>"
        f"<g:item_group_id>G{group}</g:item_group_id><g:color>{COLORS[i % 4]}</g:color>"
        f"<g:shipping_weight>0.3 kg</g:shipping_weight><g:product_type>数码配件 &gt; 手机壳</g:product_type>"
        f"<g:brand>无品牌</g:brand></item>"
    )


def feed(n: int, *, seed: int = 1, changed_every: int = 0) -> bytes:
    """`changed_every=10` bumps the price of every 10th product group (10% changed)."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        price = 10 + (i % 997) * 0.37
        if changed_every and (i // 4) % changed_every == 0:
            price += 1
        items.append(item_xml(i, price, rng))
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>bench</title>'
    return (head + "".join(items) + "</channel></rss>").encode()
