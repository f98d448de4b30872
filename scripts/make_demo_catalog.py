"""Write the demo catalog: a Google Merchant Center RSS feed of Chinese-marketplace products.

Deterministic (seeded ``random``), stdlib only. Usage::

    python scripts/make_demo_catalog.py [OUTPUT]      # default: bot/demo/catalog.xml

About 300 products in 14 categories, each with 1-6 variants (colour and/or size), CNY prices,
some sale prices with Double 11 / Double 12 / 618 windows, mostly in stock. All links point to
example.cn hosts; brands are invented.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

SEED = 20261111
G_NS = "http://base.google.com/ns/1.0"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "bot" / "demo" / "catalog.xml"
PLATFORMS = ("taobao", "tmall", "jd", "pinduoduo", "1688")
NO_BRAND_PLATFORMS = ("taobao", "pinduoduo", "1688")
SALE_WINDOWS = (
    "2026-11-01T00:00+08:00/2026-11-11T23:59+08:00",  # 双11
    "2026-11-01T00:00+08:00/2026-12-12T23:59+08:00",
    "2026-12-01T00:00+08:00/2026-12-12T23:59+08:00",  # 双12
    "2026-06-01T00:00+08:00/2026-06-18T23:59+08:00",  # 618
    "2027-01-10T00:00+08:00/2027-01-25T23:59+08:00",  # 年货节
    "",  # open-ended sale
)
SERVICE_NOTES = (
    "现货速发，48小时内发货。",
    "支持7天无理由退换，下单送运费险。",
    "正品保障，假一赔十。",
    "工厂直销，多件更优惠。",
    "江浙沪包邮，偏远地区请联系客服。",
    "有任何问题请联系在线客服，我们会第一时间处理。",
)
PREORDER_NOTE = "预售商品，付款后15天内发货，介意慎拍。"

WOMEN = ("S", "M", "L", "XL", "2XL")
MEN = ("M", "L", "XL", "2XL", "3XL")
WAIST = ("29", "30", "31", "32", "33", "34", "36")
SHOES_W = ("35", "36", "37", "38", "39", "40")
SHOES_M = ("39", "40", "41", "42", "43", "44")
SHOES_ALL = ("35", "36", "37", "38", "39", "40", "41", "42", "43", "44")
PET = ("XS", "S", "M", "L", "XL")
BASIC = ("白色", "黑色", "灰色")


@dataclass(frozen=True)
class Line:
    """One kind of product: title parts, price/weight ranges and variant axes."""

    sub: str
    noun: str
    heads: tuple[str, ...]
    tails: tuple[str, ...]
    price: tuple[float, float]
    grams: tuple[int, int]
    colors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    price_step: float = 0.0  # added per size index (bigger size, higher price)
    grams_step: int = 0


@dataclass(frozen=True)
class Category:
    code: str
    top: str
    count: int
    brands: tuple[str, ...]
    blurbs: tuple[str, ...]
    lines: tuple[Line, ...]
    preorder_rate: float = 0.02


@dataclass
class Item:
    fields: dict[str, str] = field(default_factory=dict)


CATEGORIES: tuple[Category, ...] = (
    Category(
        code="PHC",
        top="数码配件",
        count=28,
        brands=("酷壳派", "极速充", "绿动", "锐拓", "闪电侠", "无品牌"),
        blurbs=(
            "品质保障，出厂前逐一检测。",
            "兼容主流机型，下单前请确认型号。",
            "轻薄便携，出门随身带。",
        ),
        lines=(
            Line(
                sub="手机壳",
                noun="手机壳",
                heads=("适用苹果15", "适用iPhone15", "2026新款适用苹果15"),
                tails=(
                    "透明硅胶",
                    "防摔全包",
                    "软壳",
                    "磁吸MagSafe",
                    "镜头全包",
                    "ins风",
                    "高级感",
                    "情侣款",
                    "女款可爱",
                    "超薄磨砂",
                    "液态硅胶",
                    "卡通小熊",
                ),
                price=(9.9, 39.9),
                grams=(40, 80),
                colors=("透明", "黑色", "奶白色", "雾霾蓝", "樱花粉", "薄荷绿", "深紫色"),
                sizes=("iPhone 15", "iPhone 15 Plus", "iPhone 15 Pro", "iPhone 15 Pro Max"),
                price_step=1.0,
            ),
            Line(
                sub="手机壳",
                noun="手机壳",
                heads=(
                    "适用华为Mate60Pro",
                    "适用华为P60",
                    "适用小米14",
                    "适用荣耀Magic6",
                    "适用OPPO Reno11",
                    "适用vivo X100",
                ),
                tails=(
                    "素皮",
                    "全包防摔",
                    "超薄",
                    "新款",
                    "男士商务",
                    "镜头保护",
                    "肤感磨砂",
                    "高级感",
                    "真皮纹",
                ),
                price=(12.9, 49.9),
                grams=(40, 90),
                colors=("黑色", "深蓝色", "墨绿色", "卡其色", "酒红色"),
            ),
            Line(
                sub="充电器",
                noun="充电器",
                heads=("65W氮化镓", "33W快充", "20W PD", "120W超级快充", "100W多口"),
                tails=(
                    "充电头",
                    "适用苹果华为小米",
                    "多口USB-C",
                    "折叠插脚便携",
                    "笔记本电脑通用",
                    "快充头",
                    "原装品质",
                ),
                price=(19.9, 129.0),
                grams=(60, 180),
                colors=("白色", "黑色"),
            ),
            Line(
                sub="数据线",
                noun="数据线",
                heads=("Type-C", "苹果PD快充", "三合一", "6A超级快充", "双头Type-C"),
                tails=(
                    "编织加长",
                    "100W快充线",
                    "弯头游戏",
                    "车载短款",
                    "适用华为小米",
                    "耐用不断",
                ),
                price=(6.9, 39.9),
                grams=(30, 80),
                colors=("白色", "黑色"),
                sizes=("0.5米", "1米", "1.5米", "2米"),
                price_step=2.0,
                grams_step=10,
            ),
            Line(
                sub="充电宝",
                noun="充电宝",
                heads=("20000毫安", "10000mAh", "磁吸无线", "超薄迷你"),
                tails=("超薄小巧便携", "自带线22.5W快充", "大容量移动电源", "可上飞机", "适用苹果"),
                price=(59.0, 199.0),
                grams=(200, 450),
                colors=("白色", "黑色", "浅蓝色", "奶茶色"),
            ),
            Line(
                sub="手机支架",
                noun="手机支架",
                heads=("桌面", "懒人", "车载", "折叠"),
                tails=("铝合金", "平板通用", "可升降旋转", "直播追剧", "出风口导航"),
                price=(9.9, 49.0),
                grams=(80, 300),
                colors=("银色", "黑色", "白色"),
            ),
        ),
    ),
    Category(
        code="AUD",
        top="影音数码",
        count=20,
        brands=("声悦", "听海", "音律", "酷狗音", "无品牌"),
        blurbs=(
            "出厂前逐一调试，品质有保障。",
            "支持一年质保，非人为损坏免费换新。",
            "兼容安卓苹果，即连即用。",
        ),
        lines=(
            Line(
                sub="耳机",
                noun="蓝牙耳机",
                heads=("真无线", "半入耳式", "主动降噪", "骨传导", "2026新款"),
                tails=(
                    "超长续航",
                    "运动跑步",
                    "适用苹果华为小米",
                    "低延迟游戏",
                    "入耳式",
                    "男女款",
                    "高音质",
                ),
                price=(39.0, 299.0),
                grams=(50, 150),
                colors=("白色", "黑色", "粉色", "蓝色", "绿色"),
            ),
            Line(
                sub="耳机",
                noun="有线耳机",
                heads=("Type-C接口", "3.5mm圆孔", "入耳式"),
                tails=("带麦线控", "吃鸡游戏", "高音质", "适用华为小米", "学生网课"),
                price=(9.9, 59.0),
                grams=(30, 60),
                colors=("白色", "黑色"),
            ),
            Line(
                sub="耳机",
                noun="头戴式耳机",
                heads=("无线蓝牙", "电竞游戏", "主动降噪"),
                tails=("带麦克风", "重低音", "折叠便携", "电脑耳麦", "学生网课"),
                price=(89.0, 399.0),
                grams=(250, 400),
                colors=("黑色", "白色", "粉色"),
            ),
            Line(
                sub="音箱",
                noun="蓝牙音箱",
                heads=("便携式", "户外", "复古"),
                tails=("小音箱", "重低音炮", "防水", "家用桌面", "插卡收音机"),
                price=(49.0, 199.0),
                grams=(300, 700),
                colors=("黑色", "蓝色", "红色", "米白色"),
            ),
        ),
    ),
    Category(
        code="WMN",
        top="女装",
        count=26,
        brands=("森屿", "轻语", "桃夭", "暖阳小铺", "无品牌"),
        blurbs=(
            "面料亲肤透气，柔软舒适。",
            "版型宽松显瘦，遮肉不挑身材。",
            "细节精致，做工考究。",
            "尺码偏小，建议拍大一码。",
            "模特实拍，颜色以实物为准。",
        ),
        lines=(
            Line(
                sub="连衣裙",
                noun="连衣裙女",
                heads=("法式碎花", "2026夏季新款", "温柔风", "新中式", "赫本风"),
                tails=("收腰显瘦", "小个子", "长裙", "气质", "雪纺", "V领", "泡泡袖", "度假风"),
                price=(69.0, 259.0),
                grams=(250, 450),
                colors=("白色", "黑色", "杏色", "碎花蓝", "粉色"),
                sizes=WOMEN,
            ),
            Line(
                sub="卫衣",
                noun="卫衣女",
                heads=("美式复古", "加绒加厚", "宽松", "韩版"),
                tails=("秋冬", "连帽", "oversize", "慵懒风上衣", "学生", "圆领"),
                price=(59.0, 159.0),
                grams=(400, 700),
                colors=("灰色", "黑色", "燕麦色", "雾霾蓝"),
                sizes=WOMEN,
            ),
            Line(
                sub="T恤",
                noun="纯棉短袖T恤女",
                heads=("白色", "ins潮", "2026新款", "宽松"),
                tails=("半袖", "上衣", "百搭打底衫", "印花", "夏季"),
                price=(29.0, 79.0),
                grams=(150, 250),
                colors=("白色", "黑色", "粉色", "浅蓝色"),
                sizes=WOMEN,
            ),
            Line(
                sub="针织衫",
                noun="针织开衫女",
                heads=("温柔风", "软糯", "法式"),
                tails=("外套", "春秋", "薄款", "短款", "毛衣"),
                price=(79.0, 199.0),
                grams=(300, 500),
                colors=("米白色", "燕麦色", "浅绿色", "黑色"),
                sizes=("S", "M", "L"),
            ),
            Line(
                sub="裤子",
                noun="阔腿裤女",
                heads=("高腰", "垂感", "冰丝"),
                tails=("直筒", "显瘦", "拖地裤", "休闲裤", "夏季薄款"),
                price=(59.0, 139.0),
                grams=(300, 500),
                colors=("黑色", "灰色", "卡其色"),
                sizes=WOMEN,
            ),
        ),
    ),
    Category(
        code="MEN",
        top="男装",
        count=22,
        brands=("城野", "墨川", "步履", "无品牌"),
        blurbs=(
            "精选面料，不起球不变形。",
            "立体剪裁，简约百搭。",
            "多色可选，适合日常通勤。",
            "建议按平时尺码选购。",
        ),
        lines=(
            Line(
                sub="T恤",
                noun="短袖T恤男",
                heads=("重磅纯棉", "美式", "冰丝", "2026夏季"),
                tails=("宽松", "潮牌", "半袖", "圆领", "体恤", "纯色打底"),
                price=(39.0, 99.0),
                grams=(180, 300),
                colors=("白色", "黑色", "灰色", "藏青色", "军绿色"),
                sizes=MEN,
            ),
            Line(
                sub="外套",
                noun="工装夹克男",
                heads=("春秋", "美式", "日系"),
                tails=("外套", "宽松", "潮流", "休闲", "立领"),
                price=(129.0, 299.0),
                grams=(600, 900),
                colors=("黑色", "卡其色", "军绿色"),
                sizes=MEN,
            ),
            Line(
                sub="裤子",
                noun="休闲裤男",
                heads=("直筒", "冰丝", "弹力"),
                tails=("宽松", "九分裤", "运动长裤", "夏季薄款", "商务"),
                price=(59.0, 159.0),
                grams=(350, 550),
                colors=("黑色", "灰色", "卡其色"),
                sizes=WAIST,
            ),
            Line(
                sub="羽绒服",
                noun="羽绒服男",
                heads=("白鸭绒", "加厚", "连帽"),
                tails=("冬季", "短款", "保暖", "面包服", "外套"),
                price=(299.0, 699.0),
                grams=(800, 1300),
                colors=("黑色", "藏青色", "白色"),
                sizes=MEN,
            ),
            Line(
                sub="衬衫",
                noun="长袖衬衫男",
                heads=("免烫", "纯棉", "牛津纺"),
                tails=("商务", "休闲", "白衬衣", "修身", "韩版"),
                price=(69.0, 169.0),
                grams=(250, 400),
                colors=("白色", "浅蓝色", "黑色"),
                sizes=MEN,
            ),
        ),
    ),
    Category(
        code="SHO",
        top="鞋靴",
        count=22,
        brands=("步云", "轻跃", "踏雪", "无品牌"),
        blurbs=(
            "软底防滑，久走不累。",
            "透气鞋面，不闷脚。",
            "标准尺码，按平时尺码拍。",
            "鞋底耐磨，轻便舒适。",
        ),
        lines=(
            Line(
                sub="板鞋",
                noun="小白鞋女",
                heads=("百搭", "厚底", "2026新款"),
                tails=("板鞋", "增高", "学生", "休闲", "真皮"),
                price=(69.0, 199.0),
                grams=(600, 900),
                colors=("白色", "白粉色", "白绿色"),
                sizes=SHOES_W,
            ),
            Line(
                sub="运动鞋",
                noun="运动鞋男",
                heads=("跑步", "透气网面", "减震"),
                tails=("轻便", "休闲鞋", "潮鞋", "男鞋", "防滑"),
                price=(99.0, 399.0),
                grams=(800, 1100),
                colors=("黑色", "白色", "灰色"),
                sizes=SHOES_M,
            ),
            Line(
                sub="帆布鞋",
                noun="帆布鞋",
                heads=("经典", "低帮", "高帮"),
                tails=("情侣款", "百搭", "学生", "男女同款"),
                price=(39.0, 129.0),
                grams=(600, 900),
                colors=("白色", "黑色", "米色"),
                sizes=SHOES_ALL,
            ),
            Line(
                sub="拖鞋",
                noun="拖鞋",
                heads=("踩屎感", "EVA", "夏季"),
                tails=("室内家用", "防滑", "浴室", "厚底", "情侣"),
                price=(9.9, 39.9),
                grams=(200, 400),
                colors=("白色", "粉色", "灰色", "绿色"),
                sizes=("36-37", "38-39", "40-41", "42-43"),
            ),
            Line(
                sub="靴子",
                noun="马丁靴女",
                heads=("英伦风", "厚底", "加绒"),
                tails=("短靴", "秋冬", "真皮", "增高"),
                price=(129.0, 299.0),
                grams=(1000, 1400),
                colors=("黑色", "棕色"),
                sizes=SHOES_W,
            ),
        ),
    ),
    Category(
        code="BAG",
        top="箱包",
        count=20,
        brands=("行者", "拾光", "木棉", "无品牌"),
        blurbs=(
            "大容量，多隔层分区收纳。",
            "五金配件顺滑耐用。",
            "防泼水面料，出行无忧。",
            "简约设计，通勤百搭。",
        ),
        lines=(
            Line(
                sub="单肩包",
                noun="帆布包",
                heads=("大容量", "ins", "日系"),
                tails=("托特包", "单肩", "学生上课", "文艺", "购物袋"),
                price=(19.9, 69.0),
                grams=(200, 400),
                colors=("米白色", "黑色", "卡其色"),
            ),
            Line(
                sub="双肩包",
                noun="双肩包",
                heads=("商务", "大容量", "防水"),
                tails=("电脑包", "背包", "旅行", "初中高中大学生", "书包"),
                price=(59.0, 199.0),
                grams=(500, 900),
                colors=("黑色", "灰色", "藏青色"),
            ),
            Line(
                sub="斜挎包",
                noun="斜挎包",
                heads=("小众设计", "腋下", "迷你"),
                tails=("女包", "百搭", "链条", "高级感"),
                price=(39.0, 159.0),
                grams=(200, 500),
                colors=("黑色", "白色", "焦糖色", "绿色"),
            ),
            Line(
                sub="行李箱",
                noun="行李箱",
                heads=("铝框", "静音万向轮", "拉杆箱"),
                tails=("密码箱", "登机箱", "大容量", "结实耐用"),
                price=(199.0, 599.0),
                grams=(3500, 4500),
                colors=("黑色", "银色", "粉色", "薄荷绿"),
                sizes=("20寸", "24寸", "28寸"),
                price_step=40.0,
                grams_step=700,
            ),
            Line(
                sub="钱包",
                noun="钱包",
                heads=("短款", "长款", "真皮"),
                tails=("卡包", "拉链", "零钱包", "男士", "女士"),
                price=(19.9, 89.0),
                grams=(80, 200),
                colors=("黑色", "棕色", "酒红色"),
            ),
        ),
    ),
    Category(
        code="BTY",
        top="美妆个护",
        count=22,
        brands=("花间颜", "水漾", "初见", "素颜记", "无品牌"),
        blurbs=(
            "正品保障，支持验货。",
            "保质期三年，请放置阴凉处。",
            "新鲜日期，假一赔十。",
        ),
        lines=(
            Line(
                sub="口红",
                noun="口红",
                heads=("丝绒哑光", "镜面水光", "小金条"),
                tails=("唇釉", "不沾杯", "显白", "学生平价", "秋冬新色"),
                price=(29.0, 129.0),
                grams=(30, 60),
                colors=("#01 正红色", "#02 豆沙色", "#03 枫叶红", "#04 奶茶色", "#05 蜜桃粉"),
            ),
            Line(
                sub="面膜",
                noun="面膜",
                heads=("玻尿酸", "补水保湿", "烟酰胺"),
                tails=("收缩毛孔", "提亮肤色", "男女", "贴片"),
                price=(29.0, 99.0),
                grams=(200, 400),
                sizes=("10片装", "20片装"),
                price_step=35.0,
                grams_step=200,
            ),
            Line(
                sub="防晒",
                noun="防晒霜",
                heads=("SPF50+", "清爽", "户外"),
                tails=("防紫外线", "隔离", "学生", "面部身体"),
                price=(39.0, 159.0),
                grams=(80, 150),
            ),
            Line(
                sub="彩妆",
                noun="眼影盘",
                heads=("十二色", "大地色", "珠光"),
                tails=("哑光", "新手", "持久不飞粉", "日常"),
                price=(39.0, 159.0),
                grams=(80, 160),
                colors=("大地色", "蜜桃色", "玫瑰色"),
            ),
            Line(
                sub="洁面",
                noun="氨基酸洗面奶",
                heads=("温和", "控油", "深层清洁"),
                tails=("男女", "洁面乳", "去黑头", "敏感肌"),
                price=(29.0, 89.0),
                grams=(150, 250),
            ),
            Line(
                sub="美甲",
                noun="美甲贴",
                heads=("ins风", "法式", "穿戴甲"),
                tails=("指甲贴", "持久防水", "免烤", "网红"),
                price=(9.9, 29.9),
                grams=(20, 50),
                colors=("裸粉色", "奶白色", "酒红色", "亮片款"),
            ),
        ),
    ),
    Category(
        code="HOM",
        top="家居厨房",
        count=24,
        brands=("木子家", "暖居", "简一", "无品牌"),
        blurbs=(
            "简约设计，提升家居质感。",
            "打包严实，破损包赔。",
            "居家好物，实用又好看。",
        ),
        lines=(
            Line(
                sub="水杯",
                noun="保温杯",
                heads=("316不锈钢", "大容量", "高颜值"),
                tails=("男女", "便携", "学生", "带茶隔", "吸管杯"),
                price=(39.0, 129.0),
                grams=(300, 400),
                colors=("白色", "黑色", "奶油黄", "雾霾蓝"),
                sizes=("350ml", "500ml", "750ml"),
                price_step=10.0,
                grams_step=80,
            ),
            Line(
                sub="收纳",
                noun="收纳盒",
                heads=("桌面", "抽屉式", "透明"),
                tails=("宿舍", "化妆品", "衣柜", "整理箱", "家用"),
                price=(9.9, 49.0),
                grams=(300, 800),
                colors=("白色", "透明", "灰色"),
            ),
            Line(
                sub="厨房置物",
                noun="厨房置物架",
                heads=("免打孔", "多层", "落地"),
                tails=("调料架", "收纳架", "碳钢", "微波炉架"),
                price=(29.0, 129.0),
                grams=(1000, 3000),
                colors=("白色", "黑色"),
            ),
            Line(
                sub="床上用品",
                noun="床上四件套",
                heads=("纯棉", "水洗棉", "ins风"),
                tails=("被套床单", "简约", "宿舍", "全棉"),
                price=(129.0, 399.0),
                grams=(2000, 2500),
                colors=("灰色", "浅绿色", "格子"),
                sizes=("1.5m床", "1.8m床"),
                price_step=30.0,
                grams_step=300,
            ),
            Line(
                sub="家居香氛",
                noun="香薰蜡烛",
                heads=("无火", "香薰", "ins"),
                tails=("卧室", "持久留香", "礼盒", "精油"),
                price=(19.9, 89.0),
                grams=(200, 500),
            ),
            Line(
                sub="餐具",
                noun="陶瓷碗碟套装",
                heads=("日式", "北欧", "家用"),
                tails=("餐具", "釉下彩", "饭碗盘子", "乔迁"),
                price=(39.0, 199.0),
                grams=(1500, 4000),
            ),
        ),
    ),
    Category(
        code="TOY",
        top="玩具",
        count=20,
        brands=("乐童", "萌趣", "星积木", "无品牌"),
        blurbs=(
            "适合3岁以上儿童，请在成人监护下使用。",
            "送礼佳品，包装精美。",
            "环保材质，通过3C认证。",
        ),
        lines=(
            Line(
                sub="积木",
                noun="拼装积木",
                heads=("小颗粒", "国潮建筑", "机械"),
                tails=("益智", "男孩女孩", "生日礼物", "摆件"),
                price=(39.0, 299.0),
                grams=(300, 1500),
            ),
            Line(
                sub="毛绒玩具",
                noun="毛绒玩具",
                heads=("可爱小熊", "柴犬", "兔子"),
                tails=("公仔", "抱枕", "布娃娃", "女生礼物"),
                price=(29.0, 99.0),
                grams=(200, 400),
                sizes=("30cm", "50cm", "80cm"),
                price_step=25.0,
                grams_step=300,
            ),
            Line(
                sub="盲盒",
                noun="盲盒",
                heads=("原创潮玩", "萌宠系列", "国风"),
                tails=("手办", "摆件", "隐藏款", "整盒"),
                price=(39.0, 79.0),
                grams=(150, 250),
            ),
            Line(
                sub="解压玩具",
                noun="解压玩具",
                heads=("捏捏乐", "指尖", "网红"),
                tails=("减压", "慢回弹", "学生", "办公室"),
                price=(5.9, 19.9),
                grams=(50, 150),
                colors=("粉色", "黄色", "蓝色"),
            ),
            Line(
                sub="遥控玩具",
                noun="遥控车",
                heads=("四驱越野", "漂移", "充电"),
                tails=("高速", "儿童", "男孩玩具", "攀爬车"),
                price=(79.0, 259.0),
                grams=(600, 1200),
                colors=("红色", "蓝色"),
            ),
        ),
    ),
    Category(
        code="STA",
        top="文具",
        count=20,
        brands=("墨点", "书香阁", "纸韵", "无品牌"),
        blurbs=(
            "学生办公两相宜。",
            "开学季囤货更划算。",
            "环保材质，无刺鼻气味。",
        ),
        lines=(
            Line(
                sub="笔",
                noun="中性笔",
                heads=("按动", "速干", "0.5mm"),
                tails=("黑色水笔", "学生考试", "办公签字笔", "大容量"),
                price=(9.9, 29.9),
                grams=(100, 300),
                colors=("黑色", "蓝色", "红色"),
                sizes=("12支装", "24支装"),
                price_step=8.0,
                grams_step=100,
            ),
            Line(
                sub="本册",
                noun="笔记本",
                heads=("A5", "B5", "活页"),
                tails=("加厚", "简约", "大学生", "记事本", "方格"),
                price=(9.9, 39.9),
                grams=(200, 500),
                colors=("白色", "牛皮色", "黑色"),
            ),
            Line(
                sub="手账",
                noun="手账贴纸",
                heads=("ins风", "复古", "可爱"),
                tails=("套装", "装饰", "素材", "和纸胶带"),
                price=(5.9, 19.9),
                grams=(30, 80),
            ),
            Line(
                sub="画材",
                noun="马克笔",
                heads=("双头", "酒精性", "学生"),
                tails=("美术专用", "动漫设计", "套装", "手绘"),
                price=(19.9, 49.0),
                grams=(200, 500),
                sizes=("24色", "48色", "80色"),
                price_step=20.0,
                grams_step=200,
            ),
            Line(
                sub="笔袋",
                noun="笔袋",
                heads=("大容量", "多层", "简约"),
                tails=("文具盒", "学生", "铅笔袋", "收纳包"),
                price=(9.9, 39.0),
                grams=(80, 200),
                colors=("黑色", "灰色", "粉色", "蓝色"),
            ),
        ),
    ),
    Category(
        code="SPT",
        top="运动户外",
        count=22,
        brands=("途野", "跃动", "山行者", "无品牌"),
        blurbs=(
            "专业运动设计，轻便耐用。",
            "运动达人推荐款。",
            "质量问题包退换。",
        ),
        lines=(
            Line(
                sub="健身",
                noun="瑜伽垫",
                heads=("TPE", "加厚加宽", "防滑"),
                tails=("初学者", "家用", "健身垫", "地垫", "隔音减震"),
                price=(39.0, 129.0),
                grams=(1000, 2000),
                colors=("紫色", "粉色", "蓝色", "灰色"),
            ),
            Line(
                sub="运动服",
                noun="速干衣",
                heads=("运动", "冰丝", "跑步"),
                tails=("短袖", "健身服", "宽松", "男女", "透气"),
                price=(39.0, 99.0),
                grams=(120, 200),
                colors=("黑色", "白色", "蓝色"),
                sizes=MEN,
            ),
            Line(
                sub="露营",
                noun="露营椅",
                heads=("户外", "折叠", "月亮椅"),
                tails=("便携", "钓鱼椅", "野餐", "靠背椅"),
                price=(59.0, 199.0),
                grams=(1000, 2500),
                colors=("黑色", "卡其色", "军绿色"),
            ),
            Line(
                sub="健身",
                noun="跳绳",
                heads=("计数", "无绳", "钢丝"),
                tails=("中考专用", "减肥", "健身", "成人"),
                price=(9.9, 49.0),
                grams=(150, 300),
                colors=("黑色", "粉色", "蓝色"),
            ),
            Line(
                sub="户外背包",
                noun="登山包",
                heads=("40L", "户外", "防水"),
                tails=("大容量", "徒步", "旅行双肩包", "轻便"),
                price=(99.0, 299.0),
                grams=(800, 1300),
                colors=("黑色", "军绿色", "橙色"),
            ),
        ),
    ),
    Category(
        code="PET",
        top="宠物用品",
        count=20,
        brands=("萌宠星球", "喵趣", "汪星人", "无品牌"),
        blurbs=(
            "宠物专用材质，安全无毒。",
            "主子喜欢，铲屎官放心。",
            "多猫多狗家庭建议多买几件。",
        ),
        lines=(
            Line(
                sub="猫用品",
                noun="猫抓板",
                heads=("瓦楞纸", "立式", "猫窝一体"),
                tails=("耐磨不掉屑", "大号", "猫咪玩具", "磨爪"),
                price=(9.9, 49.0),
                grams=(500, 1500),
            ),
            Line(
                sub="宠物服饰",
                noun="狗狗衣服",
                heads=("秋冬", "可爱", "加厚"),
                tails=("泰迪比熊", "小型犬", "保暖", "卫衣"),
                price=(19.9, 59.0),
                grams=(80, 200),
                colors=("红色", "粉色", "蓝色", "黄色"),
                sizes=PET,
            ),
            Line(
                sub="猫用品",
                noun="猫砂盆",
                heads=("全封闭", "半封闭", "超大号"),
                tails=("防外溅", "除臭", "猫厕所", "抽屉式"),
                price=(39.0, 199.0),
                grams=(1500, 3000),
                colors=("白色", "灰色", "粉色"),
            ),
            Line(
                sub="出行用品",
                noun="宠物牵引绳",
                heads=("胸背带", "自动伸缩", "防挣脱"),
                tails=("遛狗绳", "猫咪", "中小型犬", "反光"),
                price=(15.9, 49.0),
                grams=(100, 250),
                colors=("黑色", "红色", "蓝色"),
                sizes=("S", "M", "L"),
            ),
            Line(
                sub="猫用品",
                noun="逗猫棒",
                heads=("羽毛", "伸缩", "铃铛"),
                tails=("猫咪玩具", "自嗨解闷", "耐咬", "套装"),
                price=(3.9, 19.9),
                grams=(30, 100),
            ),
        ),
    ),
    Category(
        code="HNF",
        top="汉服",
        count=18,
        brands=("锦瑟", "云裳阁", "长安月", "无品牌"),
        blurbs=(
            "原创设计，传承传统文化。",
            "日常可穿，拍照出片。",
            "手工制作，颜色略有色差。",
        ),
        preorder_rate=0.2,
        lines=(
            Line(
                sub="女款",
                noun="汉服女",
                heads=("齐胸襦裙", "明制", "宋制"),
                tails=("原创", "日常", "仙气", "古装", "学生", "春夏"),
                price=(129.0, 499.0),
                grams=(500, 900),
                colors=("粉色", "月白", "青绿", "藕荷色"),
                sizes=("S", "M", "L", "XL"),
            ),
            Line(
                sub="马面裙",
                noun="马面裙",
                heads=("织金", "明制", "新中式"),
                tails=("日常通勤", "半身裙", "妆花", "改良"),
                price=(159.0, 599.0),
                grams=(600, 1000),
                colors=("红色", "黑金", "墨绿", "宝蓝"),
                sizes=("S", "M", "L"),
            ),
            Line(
                sub="男款",
                noun="汉服男",
                heads=("魏晋风", "圆领袍", "直裰"),
                tails=("原创", "古风", "学生", "大袖衫"),
                price=(199.0, 499.0),
                grams=(700, 1100),
                colors=("黑色", "白色", "青色"),
                sizes=MEN,
            ),
            Line(
                sub="配饰",
                noun="发簪",
                heads=("古风", "流苏", "木质"),
                tails=("步摇", "汉服头饰", "盘发", "简约"),
                price=(19.9, 89.0),
                grams=(30, 80),
            ),
        ),
    ),
    Category(
        code="ACG",
        top="动漫周边",
        count=20,
        brands=("次元社", "萌物工坊", "星野", "无品牌"),
        blurbs=(
            "原创插画，画师授权。",
            "收藏送礼两相宜。",
            "限量发售，售完即止。",
        ),
        preorder_rate=0.15,
        lines=(
            Line(
                sub="立牌",
                noun="亚克力立牌",
                heads=("原创插画", "双面", "Q版"),
                tails=("二次元", "桌面摆件", "周边", "生日礼物"),
                price=(19.9, 59.0),
                grams=(80, 150),
            ),
            Line(
                sub="徽章",
                noun="吧唧",
                heads=("马口铁", "镭射", "原创"),
                tails=("徽章", "痛包装饰", "胸章", "二次元"),
                price=(9.9, 29.9),
                grams=(20, 40),
                sizes=("58mm", "75mm"),
                price_step=3.0,
            ),
            Line(
                sub="痛包",
                noun="痛包",
                heads=("透明", "JK", "大容量"),
                tails=("双肩包", "斜挎包", "展示", "日系"),
                price=(59.0, 159.0),
                grams=(400, 800),
                colors=("黑色", "白色", "粉色"),
            ),
            Line(
                sub="手办",
                noun="手办",
                heads=("原创", "景品", "GK"),
                tails=("模型", "摆件", "盒装", "收藏"),
                price=(99.0, 399.0),
                grams=(400, 1200),
            ),
            Line(
                sub="抱枕",
                noun="抱枕",
                heads=("二次元", "双面印", "动漫"),
                tails=("靠垫", "沙发", "周边", "含芯"),
                price=(39.0, 129.0),
                grams=(400, 700),
                sizes=("40x40cm", "45x45cm"),
                price_step=10.0,
                grams_step=80,
            ),
        ),
    ),
)

# One or two of these open each description; keyed by Line.noun.
LINE_BLURBS: dict[str, tuple[str, ...]] = {
    "手机壳": (
        "精准开孔，按键灵敏，不影响信号。",
        "四角气囊加厚设计，有效防摔。",
        "亲肤材质，不发黄不变形。",
    ),
    "充电器": (
        "氮化镓芯片，体积小发热低。",
        "多重安全保护，不伤电池。",
        "智能识别设备，自动匹配功率。",
    ),
    "数据线": ("加粗铜芯，充电更快。", "尼龙编织线身，耐弯折不易断。", "支持快充与数据传输。"),
    "充电宝": ("电芯安全可靠，多重保护。", "双向快充，充满更省时。", "小巧轻薄，放口袋不鼓包。"),
    "手机支架": ("稳固不晃动，多角度调节。", "底座防滑，手机平板通用。"),
    "蓝牙耳机": (
        "蓝牙5.3芯片，连接稳定低延迟。",
        "HiFi音质，低音浑厚，人声清晰。",
        "一次充电，超长续航。",
    ),
    "有线耳机": ("线控带麦，通话清晰。", "即插即用，无需充电。"),
    "头戴式耳机": ("大耳罩包裹，久戴不压耳。", "降噪麦克风，开黑更清晰。"),
    "蓝牙音箱": ("360度环绕立体声。", "IPX5防水，户外放心用。", "小身材大音量。"),
    "连衣裙女": ("收腰设计，显瘦显高。", "裙摆飘逸，约会度假都合适。"),
    "卫衣女": ("加绒加厚，保暖不臃肿。", "宽松落肩版型，慵懒随性。"),
    "纯棉短袖T恤女": ("精梳纯棉，吸汗透气。", "不易变形，多次洗涤不起球。"),
    "针织开衫女": ("软糯亲肤，不扎不起球。", "外搭内穿都好看。"),
    "阔腿裤女": ("垂感面料，走路带风。", "高腰设计，拉长腿部比例。"),
    "短袖T恤男": ("重磅面料，有型不透。", "领口加固，不易变形。"),
    "工装夹克男": ("多口袋设计，实用有型。", "面料挺括，防风耐磨。"),
    "休闲裤男": ("弹力面料，活动自如。", "直筒版型，修饰腿型。"),
    "羽绒服男": ("90白鸭绒填充，轻盈保暖。", "防风防泼水面料。"),
    "长袖衬衫男": ("免烫工艺，不易起皱。", "立体剪裁，商务休闲两穿。"),
    "小白鞋女": ("软底防滑，久走不累。", "百搭款式，怎么穿都好看。"),
    "运动鞋男": ("缓震鞋底，跑步不伤膝。", "透气网面，不闷脚。"),
    "帆布鞋": ("经典款式，百穿不腻。", "硫化大底，耐磨防滑。"),
    "拖鞋": ("踩屎感厚底，软弹舒适。", "一体成型，防滑防水。"),
    "马丁靴女": ("头层牛皮，越穿越软。", "厚底增高，显腿长。"),
    "帆布包": ("加厚帆布，结实耐用。", "容量大，书本电脑都能装。"),
    "双肩包": ("多隔层分区收纳。", "背负减压，长时间背不累。", "独立电脑仓，可放15.6寸笔记本。"),
    "斜挎包": ("五金配件顺滑耐用。", "小巧精致，手机钥匙都能装。"),
    "行李箱": ("静音万向轮，推行顺滑。", "PC材质，耐摔耐压。", "TSA海关锁，出行更安心。"),
    "钱包": ("多卡位设计，收纳有序。", "做工精细，走线整齐。"),
    "口红": ("持久不脱妆，不沾杯。", "顺滑好涂，黄皮显白。"),
    "面膜": ("精华满满，一片顶三片。", "补水保湿，敷完透亮。"),
    "防晒霜": ("清爽不油腻，不搓泥。", "高倍防晒，户外军训都适用。"),
    "眼影盘": ("粉质细腻，不飞粉。", "日常通勤妆容轻松画。"),
    "氨基酸洗面奶": ("氨基酸配方，温和不紧绷。", "绵密泡沫，深层清洁。"),
    "美甲贴": ("一贴即美，无需烤灯。", "持久不翘边，防水不脱落。"),
    "保温杯": ("316不锈钢内胆，保温12小时。", "一键弹盖，单手即开。", "食品级材质，安全无异味。"),
    "收纳盒": ("分类收纳，桌面整洁。", "可叠加使用，节省空间。"),
    "厨房置物架": ("承重力强，稳固不晃。", "安装简单，免打孔。"),
    "床上四件套": ("亲肤柔软，裸睡级体验。", "高密度面料，不掉色不起球。"),
    "香薰蜡烛": ("天然大豆蜡，无黑烟。", "淡雅香气，助眠放松。"),
    "陶瓷碗碟套装": ("釉下彩工艺，健康无铅。", "可进微波炉洗碗机。"),
    "拼装积木": ("颗粒精准，拼插牢固。", "锻炼动手能力和想象力。"),
    "毛绒玩具": ("PP棉填充，柔软回弹。", "做工精细，不掉毛。"),
    "盲盒": ("随机发货，拆盒惊喜多。", "做工精致，可摆可收藏。"),
    "解压玩具": ("慢回弹，捏着超解压。", "无毒无味，大人孩子都爱玩。"),
    "遥控车": ("2.4G遥控，多车同玩不干扰。", "大容量电池，续航更久。"),
    "中性笔": ("书写顺滑，不断墨。", "速干墨水，不晕染。"),
    "笔记本": ("加厚纸张，不洇墨不透页。", "可平摊书写，翻页不卡手。"),
    "手账贴纸": ("图案精美，手账装饰必备。", "易撕不留胶。"),
    "马克笔": ("双头设计，粗细两用。", "色彩饱和，叠色自然。"),
    "笔袋": ("大容量多层，文具分类收纳。", "耐脏防水，易清洗。"),
    "瑜伽垫": ("双面防滑，运动不打滑。", "回弹好，保护膝盖。"),
    "速干衣": ("透气速干，运动更畅快。", "弹力面料，不束缚。"),
    "露营椅": ("折叠收纳，一秒展开。", "加粗支架，承重150斤。"),
    "跳绳": ("轴承顺滑，不打结。", "智能计数，记录每一跳。"),
    "登山包": ("背负系统透气减压。", "防泼水面料，户外无忧。"),
    "猫抓板": ("高密度瓦楞纸，耐抓不掉屑。", "满足猫咪磨爪天性，保护家具。"),
    "狗狗衣服": ("请根据宠物体重选择尺码。", "柔软保暖，穿脱方便。"),
    "猫砂盆": ("防外溅设计，减少带砂。", "大空间，大猫也能转身。"),
    "宠物牵引绳": ("胸背受力，不勒脖子。", "夜间反光条，遛狗更安全。"),
    "逗猫棒": ("羽毛灵动，猫咪爱追。", "可替换头，一根多玩。"),
    "汉服女": ("刺绣精美，垂感飘逸。", "传统形制改良，穿着方便。"),
    "马面裙": ("织金工艺，光泽华丽。", "褶裥规整，行走有韵。"),
    "汉服男": ("挺括面料，气宇轩昂。", "宽袍大袖，仙气十足。"),
    "发簪": ("纯手工制作，古风韵味。", "轻巧不压头，新手也能盘。"),
    "亚克力立牌": ("高清印刷，色彩鲜艳。", "加厚亚克力，底座稳固。"),
    "吧唧": ("马口铁材质，覆膜防刮。", "痛包必备，集齐一套更好看。"),
    "痛包": ("透明展示位，吧唧随心摆。", "大容量，通勤上学都合适。"),
    "手办": ("细节还原，涂装精细。", "附赠底座，展示方便。"),
    "抱枕": ("双面印花，高清不掉色。", "含芯可拆洗。"),
}


def nice_price(rng: random.Random, low: float, high: float) -> float:
    """A seller-looking price: 39.90, 128.00, 9.90 ..."""
    value = rng.uniform(low, high)
    whole = int(value)
    cents = rng.choice((0.9, 0.9, 0.9, 0.0, 0.8, 0.99))
    return max(low, whole + cents) if whole > 0 else low


def money(value: float) -> str:
    return f"{value:.2f} CNY"


def weight(grams: int, use_kg: bool) -> str:
    grams = max(5, round(grams / 5) * 5)
    return f"{grams / 1000:g} kg" if use_kg else f"{grams} g"


def make_title(rng: random.Random, line: Line, taken: set[str]) -> str:
    for _ in range(50):
        tails = rng.sample(line.tails, k=min(len(line.tails), rng.randint(2, 3)))
        title = rng.choice(line.heads) + line.noun + "".join(tails)
        if title not in taken:
            taken.add(title)
            return title
    raise RuntimeError(f"cannot make a unique title for {line.noun}")


def variants(rng: random.Random, line: Line) -> list[tuple[str, str, int]]:
    """(colour, size, size index) for each variant; one empty variant for a single product."""
    if rng.random() < 0.2 or not (line.colors or line.sizes):
        return [("", "", 0)]
    sizes = list(enumerate(line.sizes)) or [(0, "")]
    colors = list(line.colors) or [""]
    if line.sizes:
        start = rng.randint(0, max(0, len(sizes) - 3))
        sizes = sizes[start : start + rng.randint(min(3, len(sizes)), min(5, len(sizes)))]
    n_colors = rng.randint(3, 6) if not line.sizes else rng.randint(1, 3)
    colors = rng.sample(colors, k=min(n_colors, len(colors)))
    combos = [(color, size, index) for color in colors for index, size in sizes]
    return combos[:6]


def description(rng: random.Random, cat: Category, line: Line, title: str, brand: str) -> str:
    own = LINE_BLURBS[line.noun]
    who = "" if brand == "无品牌" else f"【{brand}】"
    blurbs = [*rng.sample(own, k=rng.randint(1, min(2, len(own)))), rng.choice(cat.blurbs)]
    return f"{who}{title}。" + "".join(blurbs)


def add_note(rng: random.Random, text: str, pre: bool) -> str:
    return text + (PREORDER_NOTE if pre else rng.choice(SERVICE_NOTES))


def sale_fields(price: float, ratio: float, window: str) -> dict[str, str]:
    sale = int(price * ratio) + 0.9
    if sale >= price:
        sale = round(price * ratio, 1)
    fields = {"g:sale_price": money(sale)}
    if window:
        fields["g:sale_price_effective_date"] = window
    return fields


def product_items(rng: random.Random, cat: Category, number: int, taken: set[str]) -> list[Item]:
    line = rng.choice(cat.lines)
    group_id = f"SB-{cat.code}-{number:03d}"
    title = make_title(rng, line, taken)
    brand = rng.choice(cat.brands)
    preorder = rng.random() < cat.preorder_rate
    base_price = nice_price(rng, *line.price)
    base_grams = rng.randint(*line.grams)
    on_sale = rng.random() < 0.3
    ratio, window = rng.uniform(0.65, 0.92), rng.choice(SALE_WINDOWS)
    common = {
        "link": f"https://shop.example.cn/item/{group_id}",
        "description": add_note(rng, description(rng, cat, line, title, brand), preorder),
        "g:condition": "new",
        "g:brand": brand,
        "g:product_type": f"{cat.top} > {line.sub}",
        "g:custom_label_0": rng.choice(PLATFORMS if brand != "无品牌" else NO_BRAND_PLATFORMS),
    }
    found = variants(rng, line)
    use_kg = rng.random() < 0.5
    items = []
    for k, (color, size, index) in enumerate(found, start=1):
        item_id = group_id if len(found) == 1 else f"{group_id}-{k}"
        price = base_price + index * line.price_step
        fields = {
            "g:id": item_id,
            "title": " ".join(part for part in (title, color, size) if part),
            **common,
            "g:image_link": f"https://img.example.cn/{item_id}.jpg",
            "g:price": money(price),
            "g:availability": availability(rng, preorder),
            "g:shipping_weight": weight(base_grams + index * line.grams_step, use_kg),
        }
        if len(found) > 1:
            fields["g:item_group_id"] = group_id
        if color:
            fields["g:color"] = color
        if size:
            fields["g:size"] = size
        if on_sale:
            fields.update(sale_fields(price, ratio, window))
        items.append(Item(fields))
    return items


def availability(rng: random.Random, preorder: bool) -> str:
    if preorder:
        return "preorder"
    return "out_of_stock" if rng.random() < 0.07 else "in_stock"


def build_items(seed: int = SEED) -> list[Item]:
    rng = random.Random(seed)
    taken: set[str] = set()
    items: list[Item] = []
    for cat in CATEGORIES:
        for number in range(1, cat.count + 1):
            items.extend(product_items(rng, cat, number, taken))
    return items


def to_xml(items: list[Item]) -> bytes:
    ET.register_namespace("g", G_NS)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = "shopbot 演示商品目录"
    ET.SubElement(channel, "link").text = "https://shop.example.cn/"
    ET.SubElement(channel, "description").text = "淘宝/天猫/京东/拼多多/1688 精选商品（演示数据）"
    for item in items:
        node = ET.SubElement(channel, "item")
        for name, value in item.fields.items():
            tag = f"{{{G_NS}}}{name[2:]}" if name.startswith("g:") else name
            ET.SubElement(node, tag).text = value
    ET.indent(rss, space=" ")
    return bytes(ET.tostring(rss, encoding="utf-8", xml_declaration=True)) + b"\n"


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    items = build_items()
    data = to_xml(items)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    groups = {item.fields.get("g:item_group_id", item.fields["g:id"]) for item in items}
    sys.stdout.write(f"{output}: {len(groups)} products, {len(items)} items, {len(data)} bytes\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
