"""Demo catalogue data for OCOP Market: OCOP groups, producers, products, certificates, users.

Producers, places, star ratings and the years of recognition follow public provincial and national
OCOP lists for the former Bắc Giang province (now Bắc Ninh) and its neighbour Thái Nguyên.

DEMO VALUES, NOT REAL RECORDS:

* Retail prices are estimates of typical online retail prices (2024–25), not producers' price lists.
* Certificate numbers, decision numbers, decision dates (beyond the year) and scores are invented
  demo values, marked ``DEMO-``; they are not the real OCOP certificates or decisions.
* Tax codes, phone numbers, e-mail addresses, stock levels and the demo users are invented too.

Plain data only; ``shop.catalog.demo`` turns it into rows. Seasons are ``(start_mmdd, end_mmdd)``
and may wrap the year end; a pre-order's ``ships_on`` is ``(month, day)`` of the next occurrence.
"""

from datetime import date

MINISTRY = "Bộ Nông nghiệp và Phát triển nông thôn"
BAC_GIANG = "UBND tỉnh Bắc Giang"

CATEGORIES = [
    {
        "slug": "thuc-pham",
        "name_vi": "Thực phẩm",
        "name_en": "Food",
        "children": [
            {
                "slug": "rau-cu-qua-tuoi",
                "name_vi": "Rau, củ, quả tươi",
                "name_en": "Fresh fruit & vegetables",
            },
            {
                "slug": "che-tra",
                "name_vi": "Chè và sản phẩm từ chè",
                "name_en": "Tea",
            },
            {
                "slug": "che-bien-tu-gao",
                "name_vi": "Gạo và sản phẩm từ gạo, ngũ cốc",
                "name_en": "Rice, noodles & grain products",
            },
            {
                "slug": "mat-ong",
                "name_vi": "Mật ong và sản phẩm từ mật ong",
                "name_en": "Honey",
            },
            {
                "slug": "che-bien-tu-thit",
                "name_vi": "Chế biến từ thịt, trứng, sữa",
                "name_en": "Meat, egg & dairy products",
            },
            {
                "slug": "che-bien-tu-rau-qua",
                "name_vi": "Chế biến từ rau, củ, quả",
                "name_en": "Processed fruit & vegetables",
            },
            {
                "slug": "che-bien-tu-thuy-san",
                "name_vi": "Chế biến từ thủy sản",
                "name_en": "Fish & seafood products",
            },
            {
                "slug": "gia-vi",
                "name_vi": "Gia vị, tương, nước chấm",
                "name_en": "Spices, sauces & condiments",
            },
        ],
    },
    {
        "slug": "do-uong",
        "name_vi": "Đồ uống",
        "name_en": "Beverages",
        "children": [
            {
                "slug": "do-uong-co-con",
                "name_vi": "Đồ uống có cồn",
                "name_en": "Alcoholic drinks",
            },
            {
                "slug": "do-uong-khong-con",
                "name_vi": "Đồ uống không cồn",
                "name_en": "Non-alcoholic drinks",
            },
        ],
    },
    {
        "slug": "duoc-lieu",
        "name_vi": "Dược liệu và sản phẩm từ dược liệu",
        "name_en": "Herbal products",
        "children": [
            {
                "slug": "thuc-pham-duoc-lieu",
                "name_vi": "Thực phẩm, trà từ dược liệu",
                "name_en": "Herbal foods & teas",
            },
            {
                "slug": "duoc-lieu-kho",
                "name_vi": "Dược liệu khô",
                "name_en": "Dried medicinal herbs",
            },
            {
                "slug": "my-pham-duoc-lieu",
                "name_vi": "Mỹ phẩm từ dược liệu",
                "name_en": "Herbal cosmetics",
            },
        ],
    },
    {
        "slug": "thu-cong-my-nghe",
        "name_vi": "Thủ công mỹ nghệ",
        "name_en": "Handicrafts",
        "children": [
            {
                "slug": "gom-su",
                "name_vi": "Gốm sứ",
                "name_en": "Pottery & ceramics",
            },
            {
                "slug": "may-tre-dan",
                "name_vi": "Mây tre đan",
                "name_en": "Bamboo & rattan",
            },
            {
                "slug": "det-may-theu",
                "name_vi": "Dệt may, thêu",
                "name_en": "Textiles & embroidery",
            },
        ],
    },
    {
        "slug": "sinh-vat-canh",
        "name_vi": "Sinh vật cảnh",
        "name_en": "Ornamental plants & animals",
        "children": [
            {
                "slug": "hoa-cay-canh",
                "name_vi": "Hoa, cây cảnh",
                "name_en": "Flowers & ornamental plants",
            },
            {
                "slug": "dong-vat-canh",
                "name_vi": "Động vật cảnh",
                "name_en": "Ornamental animals",
            },
        ],
    },
    {
        "slug": "du-lich-cong-dong",
        "name_vi": "Du lịch cộng đồng, sinh thái",
        "name_en": "Community & eco-tourism",
        "children": [
            {
                "slug": "du-lich-sinh-thai",
                "name_vi": "Du lịch sinh thái, cộng đồng",
                "name_en": "Eco & community tourism",
            },
        ],
    },
]

PRODUCERS = [
    {
        "slug": "htx-hong-xuan",
        "name": "HTX Hồng Xuân",
        "legal_type": "cooperative",
        "tax_code": "2400000001",
        "province": "Bắc Ninh",
        "commune": "Phường Chũ",
        "street": None,
        "legacy_address": "xã Hồng Giang, huyện Lục Ngạn, tỉnh Bắc Giang",
        "story_vi": (
            "Hợp tác xã Hồng Xuân trồng vải thiều ở xã Hồng Giang cũ, nay là phường Chũ, "
            "vùng vải trung tâm của Lục Ngạn. Các thành viên chăm vườn quanh năm; từ cuối tháng 5, "
            "họ hái những chùm vải chín đỏ, phân loại và đóng hộp ngay tại vườn. Năm 2024, vải "
            "thiều Lục Ngạn Hồng Xuân được công nhận sản phẩm OCOP 5 sao cấp quốc gia."
        ),
        "story_en": (
            "Hồng Xuân Cooperative grows lychees in the former Hồng Giang commune, now Chũ ward, "
            "in the heart of Lục Ngạn's lychee country. Members tend the orchards all year; from "
            "late May they pick the ripe red bunches, grade them and pack them right in the "
            "garden. In 2024 its Lục Ngạn lychee was recognised as a national 5-star OCOP product."
        ),
        "contact_phone": "+84980000101",
        "contact_email": "hongxuan@example.vn",
        "image": "img/producers/htx-hong-xuan.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-vai-som-phuc-hoa",
        "name": "HTX Sản xuất – Tiêu thụ Vải sớm Phúc Hòa",
        "legal_type": "cooperative",
        "tax_code": "2400000002",
        "province": "Bắc Ninh",
        "commune": "Xã Phúc Hoà",
        "street": None,
        "legacy_address": "xã Phúc Hòa, huyện Tân Yên, tỉnh Bắc Giang",
        "story_vi": (
            "Ở Phúc Hòa (Tân Yên), vải chín sớm hơn vải thiều Lục Ngạn, nên đây thường là những "
            "chùm vải đầu mùa trên thị trường. Hợp tác xã tập hợp các vườn vải sớm trong xã, cùng "
            "thống nhất cách chăm sóc, thu hái và tiêu thụ. Vải sớm quả to, vỏ đỏ tươi, vị ngọt "
            "xen chút chua dịu."
        ),
        "story_en": (
            "In Phúc Hòa, Tân Yên, lychees ripen earlier than in Lục Ngạn, so these are often the "
            "first of the season on the market. The cooperative brings the commune's early-lychee "
            "orchards together to agree on how the fruit is tended, picked and sold. Early "
            "lychees are large and bright red, sweet with a gentle tang."
        ),
        "contact_phone": "+84980000102",
        "contact_email": None,
        "image": "img/producers/htx-vai-som-phuc-hoa.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-mang-luc-truc-ngoc-chau",
        "name": "HTX Măng lục trúc Lâm Sinh Ngọc Châu",
        "legal_type": "cooperative",
        "tax_code": "2400000003",
        "province": "Bắc Ninh",
        "commune": "Xã Ngọc Thiện",
        "street": None,
        "legacy_address": "xã Ngọc Châu, huyện Tân Yên, tỉnh Bắc Giang",
        "story_vi": (
            "Hợp tác xã trồng tre lục trúc lấy măng ở xã Ngọc Châu cũ (Tân Yên), nay thuộc xã "
            "Ngọc Thiện. Từ tháng 5 đến tháng 10, măng được thu hoạch, làm sạch và giao đi khi "
            "còn tươi. Măng lục trúc giòn, ngọt, ít đắng, hợp để luộc, xào hay nấu canh."
        ),
        "story_en": (
            "The cooperative grows lục trúc bamboo for its shoots in the former Ngọc Châu commune "
            "of Tân Yên, now Ngọc Thiện. From May to October the shoots are harvested, cleaned and "
            "sent out while still fresh. Lục trúc shoots are crisp and sweet with little "
            "bitterness, good boiled, stir-fried or in soups."
        ),
        "contact_phone": "+84980000103",
        "contact_email": None,
        "image": "img/producers/htx-mang-luc-truc-ngoc-chau.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-than-truong",
        "name": "HTX Thân Trường",
        "legal_type": "cooperative",
        "tax_code": "2400000004",
        "province": "Bắc Ninh",
        "commune": "Xã Xuân Lương",
        "street": "Bản Ven",
        "legacy_address": "xã Xuân Lương, huyện Yên Thế, tỉnh Bắc Giang",
        "story_vi": (
            "Bản Ven là làng người Cao Lan khoảng 300 năm tuổi ở Xuân Lương (Yên Thế), cách Hà "
            "Nội chừng 85 km. Hợp tác xã Thân Trường trồng và chế biến chè xanh trên các đồi quanh "
            "bản, đồng thời đón khách về hái chè, nghỉ nhà sàn và tìm hiểu văn hoá Cao Lan. Năm "
            "2022, du lịch sinh thái Bản Ven được công nhận OCOP 3 sao, là sản phẩm du lịch OCOP "
            "đầu tiên của tỉnh."
        ),
        "story_en": (
            "Bản Ven is a Cao Lan village about 300 years old in Xuân Lương, Yên Thế, some 85 km "
            "from Hà Nội. Thân Trường Cooperative grows and processes green tea on the hills "
            "around the village, and welcomes visitors to pick tea, stay in stilt houses and learn "
            "about Cao Lan culture. In 2022 its Bản Ven eco-tourism became the province's first "
            "OCOP-rated tourism product, with 3 stars."
        ),
        "contact_phone": "+84980000104",
        "contact_email": "banven@example.vn",
        "image": "img/producers/htx-than-truong.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-xuan-truong",
        "name": "HTX Xuân Trường",
        "legal_type": "cooperative",
        "tax_code": "2400000005",
        "province": "Bắc Ninh",
        "commune": "Xã Nam Dương",
        "street": None,
        "legacy_address": "xã Nam Dương, huyện Lục Ngạn, tỉnh Bắc Giang",
        "story_vi": (
            "Nam Dương là làng nghề mỳ Chũ của Lục Ngạn, và Hợp tác xã Xuân Trường làm mỳ gạo "
            "theo cách truyền thống của làng. Gạo được ngâm, xay thành bột, tráng thành bánh, thái "
            "sợi rồi phơi nắng trên những giàn tre. Ngoài mỳ gạo trắng, hợp tác xã còn làm mỳ ngũ "
            "sắc với màu tự nhiên từ rau, củ."
        ),
        "story_en": (
            "Nam Dương is Lục Ngạn's Chũ noodle village, and Xuân Trường Cooperative makes rice "
            "noodles the way the village always has. The rice is soaked and ground, spread into "
            "thin sheets, cut into strands and dried in the sun on bamboo racks. Besides plain "
            "rice noodles it makes five-colour noodles tinted with natural vegetable colours."
        ),
        "contact_phone": "+84980000105",
        "contact_email": "xuantruong@example.vn",
        "image": "img/producers/htx-xuan-truong.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-hang-hieu",
        "name": "HTX Dịch vụ nông nghiệp Hằng Hiếu",
        "legal_type": "cooperative",
        "tax_code": "2400000006",
        "province": "Bắc Ninh",
        "commune": "Phường Chũ",
        "street": None,
        "legacy_address": "huyện Lục Ngạn, tỉnh Bắc Giang",
        "story_vi": (
            "Hợp tác xã Dịch vụ nông nghiệp Hằng Hiếu ở Lục Ngạn, nay thuộc phường Chũ, làm mỳ "
            "gạo và nuôi ong lấy mật. Khi vải nở hoa vào tháng 3, tháng 4, các đàn ong được đặt "
            "giữa vườn vải để lấy mật hoa vải, loại mật đặc trưng của vùng. Mỳ gạo Lục Ngạn của "
            "hợp tác xã được công nhận OCOP 4 sao năm 2024."
        ),
        "story_en": (
            "Hằng Hiếu Agricultural Services Cooperative in Lục Ngạn, now Chũ ward, makes rice "
            "noodles and keeps bees. When the lychee trees flower in March and April, the hives "
            "are set among the orchards to gather lychee-flower honey, the area's signature "
            "honey. Its Lục Ngạn rice noodles were rated 4-star OCOP in 2024."
        ),
        "contact_phone": "+84980000106",
        "contact_email": "hanghieu@example.vn",
        "image": "img/producers/htx-hang-hieu.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "ho-vu-van-men",
        "name": "Hộ kinh doanh Vũ Văn Mến",
        "legal_type": "household",
        "tax_code": "2400000007",
        "province": "Bắc Ninh",
        "commune": "Xã Kiên Lao",
        "street": None,
        "legacy_address": "xã Kiên Thành, huyện Lục Ngạn, tỉnh Bắc Giang",
        "story_vi": (
            "Hộ gia đình Vũ Văn Mến trồng vải thiều ở xã Kiên Thành cũ của Lục Ngạn, nay là xã "
            "Kiên Lao. Vườn vải được canh tác theo phương pháp hữu cơ và chỉ thu hái khi quả đã "
            "chín đều trên cây. Mùa vải từ tháng 6 đến hết tháng 7, gia đình tự tay hái, chọn quả "
            "và đóng hộp gửi đi."
        ),
        # No English story on purpose: exercises the Vietnamese fallback.
        "story_en": None,
        "contact_phone": "+84980000107",
        "contact_email": None,
        "image": "img/producers/ho-vu-van-men.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-luc-ngan-xanh",
        "name": "HTX Lục Ngạn Xanh",
        "legal_type": "cooperative",
        "tax_code": "2400000008",
        "province": "Bắc Ninh",
        "commune": "Phường Chũ",
        "street": None,
        "legacy_address": "huyện Lục Ngạn, tỉnh Bắc Giang",
        "story_vi": (
            "Hợp tác xã Lục Ngạn Xanh trồng và chế biến hoa cúc chi ngay trên đất Lục Ngạn, vùng "
            "vốn quen với cây vải. Hoa được hái khi vừa nở, sấy khô nhẹ để giữ màu vàng và mùi "
            "thơm, rồi đóng hộp làm trà. Trà hoa cúc chi của hợp tác xã được công nhận OCOP 3 sao."
        ),
        "story_en": (
            "Lục Ngạn Xanh Cooperative grows and processes chi chrysanthemums in Lục Ngạn, an area "
            "better known for its lychees. The flowers are picked just as they open and gently "
            "dried to keep their yellow colour and scent, then packed as tea. Its chrysanthemum "
            "tea holds a 3-star OCOP rating."
        ),
        "contact_phone": "+84980000108",
        "contact_email": "lucnganxanh@example.vn",
        "image": "img/producers/htx-luc-ngan-xanh.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-nong-nghiep-xanh-yen-the",
        "name": "HTX Nông nghiệp Xanh Yên Thế",
        "legal_type": "cooperative",
        "tax_code": "2400000009",
        "province": "Bắc Ninh",
        "commune": "Xã Yên Thế",
        "street": None,
        "legacy_address": "huyện Yên Thế, tỉnh Bắc Giang",
        "story_vi": (
            "Yên Thế nổi tiếng với gà đồi thả vườn trên những triền đồi thấp. Hợp tác xã Nông "
            "nghiệp Xanh Yên Thế chế biến thịt gà đồi thành chả gà, giò gà theo cách làm gia "
            "đình, giữ vị ngọt và độ dai tự nhiên của thịt. Sản phẩm bán quanh năm, nhiều nhất "
            "vào dịp trước Tết."
        ),
        "story_en": (
            "Yên Thế is known for its free-range hill chickens, raised on low hillsides. Yên Thế "
            "Green Agriculture Cooperative turns hill-chicken meat into chicken sausage and "
            "chicken roll the home-made way, keeping the meat's natural sweetness and bite. They "
            "sell all year, most of all in the weeks before Tết."
        ),
        "contact_phone": "+84980000109",
        "contact_email": None,
        "image": "img/producers/htx-nong-nghiep-xanh-yen-the.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-nem-nuong-lien-chung",
        "name": "HTX Nem nướng Liên Chung",
        "legal_type": "cooperative",
        "tax_code": "2400000010",
        "province": "Bắc Ninh",
        "commune": "Xã Phúc Hoà",
        "street": None,
        "legacy_address": "xã Liên Chung, huyện Tân Yên, tỉnh Bắc Giang",
        "story_vi": (
            "Nem nướng là món quen thuộc của người Liên Chung (Tân Yên), nay thuộc xã Phúc Hoà. "
            "Hợp tác xã giữ cách làm của làng: thịt lợn tươi được giã, tẩm ướp, cuộn lại rồi "
            "nướng trên than hoa. Nem được làm quanh năm và giao lạnh để giữ trọn hương vị."
        ),
        "story_en": (
            "Grilled pork rolls are a familiar dish in Liên Chung, Tân Yên, now part of Phúc Hoà "
            "commune. The cooperative keeps to the village way: fresh pork is pounded, seasoned, "
            "rolled and grilled over charcoal. The rolls are made all year and shipped chilled to "
            "keep their flavour."
        ),
        "contact_phone": "+84980000110",
        "contact_email": None,
        "image": "img/producers/htx-nem-nuong-lien-chung.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-van-huong",
        "name": "HTX Vân Hương",
        "legal_type": "cooperative",
        "tax_code": "2400000011",
        "province": "Bắc Ninh",
        "commune": "Phường Vân Hà",
        "street": "Làng Vân",
        "legacy_address": "xã Vân Hà, huyện Việt Yên, tỉnh Bắc Giang",
        "story_vi": (
            "Làng Vân bên sông Cầu, nay thuộc phường Vân Hà, có nghề nấu rượu từ lâu đời và ở gần "
            "làng gốm Thổ Hà. Hợp tác xã Vân Hương nấu rượu từ gạo nếp cái hoa vàng theo cách "
            "truyền thống của làng và đón khách đến tham quan, nếm thử. Rượu chỉ bán cho người từ "
            "18 tuổi trở lên."
        ),
        "story_en": (
            "Vân village on the Cầu river, now in Vân Hà ward, has made rice wine for generations "
            "and lies close to the Thổ Hà pottery village. Vân Hương Cooperative distils wine from "
            "golden-flower sticky rice in the village's traditional way and welcomes visitors for "
            "a look and a taste. The wine is sold only to adults aged 18 and over."
        ),
        "contact_phone": "+84980000111",
        "contact_email": "vanhuong@example.vn",
        "image": "img/producers/htx-van-huong.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-vu-sua-hop-duc",
        "name": "HTX Vú sữa Hợp Đức",
        "legal_type": "cooperative",
        "tax_code": "2400000012",
        "province": "Bắc Ninh",
        "commune": "Xã Phúc Hoà",
        "street": None,
        "legacy_address": "xã Hợp Đức, huyện Tân Yên, tỉnh Bắc Giang",
        "story_vi": (
            "Hợp tác xã Vú sữa Hợp Đức tập hợp các vườn vú sữa ở xã Hợp Đức cũ (Tân Yên), nay "
            "thuộc xã Phúc Hoà, cùng chăm sóc và bán quả theo một tiêu chuẩn chung. Vú sữa Tân "
            "Yên chín quanh dịp Tết, từ tháng 12 đến tháng 2, thịt quả trắng, mềm và ngọt như "
            "sữa. Sản phẩm được đánh giá lại và giữ hạng OCOP 4 sao năm 2024."
        ),
        "story_en": (
            "Hợp Đức Star Apple Cooperative brings together the star-apple orchards of the former "
            "Hợp Đức commune in Tân Yên, now Phúc Hoà, which tend and sell their fruit to a shared "
            "standard. Tân Yên star apples ripen around Tết, from December to February, with soft "
            "white flesh as sweet as milk. The fruit was re-rated and kept its 4-star OCOP rating "
            "in 2024."
        ),
        "contact_phone": "+84980000112",
        "contact_email": None,
        "image": "img/producers/htx-vu-sua-hop-duc.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "duoc-thao-truong-tho",
        "name": "Công ty TNHH Dược Thảo Trường Thọ",
        "legal_type": "enterprise",
        "tax_code": "2400000013",
        "province": "Bắc Ninh",
        "commune": "Xã Đông Phú",
        "street": None,
        "legacy_address": "xã Đông Hưng, huyện Lục Nam, tỉnh Bắc Giang",
        "story_vi": (
            "Công ty TNHH Dược Thảo Trường Thọ ở xã Đông Hưng cũ (Lục Nam), nay là xã Đông Phú, "
            "nuôi trồng và chế biến đông trùng hạ thảo. Đông trùng hạ thảo được nuôi cấy trong "
            "phòng nuôi có kiểm soát, thu hoạch, sấy khô rồi đóng lọ. Sản phẩm đông trùng hạ thảo "
            "khô của công ty được công nhận OCOP 4 sao năm 2021."
        ),
        "story_en": (
            "Trường Thọ Herbal Co., Ltd., in the former Đông Hưng commune of Lục Nam, now Đông "
            "Phú, cultivates and processes cordyceps. The cordyceps is grown in controlled rooms, "
            "harvested, dried and packed in jars. The company's dried cordyceps was rated 4-star "
            "OCOP in 2021."
        ),
        "contact_phone": "+84980000113",
        "contact_email": "truongtho@example.vn",
        "image": "img/producers/duoc-thao-truong-tho.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-thai-son",
        "name": "HTX Nông nghiệp Thái Sơn",
        "legal_type": "cooperative",
        "tax_code": "2400000014",
        "province": "Bắc Ninh",
        "commune": "Xã Hiệp Hoà",
        "street": None,
        "legacy_address": "xã Thái Sơn, huyện Hiệp Hòa, tỉnh Bắc Giang",
        "story_vi": (
            "Hợp tác xã Nông nghiệp Thái Sơn trồng lúa nếp cái hoa vàng trên đồng đất xã Thái Sơn "
            "cũ, huyện Hiệp Hòa. Lúa được gặt vào tháng 10, tháng 11, phơi khô rồi xay xát để hạt "
            "nếp giữ được mùi thơm. Gạo nếp của hợp tác xã là nguyên liệu quen thuộc cho xôi, bánh "
            "chưng và rượu nếp ngày Tết."
        ),
        "story_en": (
            "Thái Sơn Agricultural Cooperative grows golden-flower sticky rice in the fields of "
            "the former Thái Sơn commune, Hiệp Hòa. The rice is harvested in October and "
            "November, dried and milled so the grains keep their fragrance. Its sticky rice is a "
            "familiar choice for xôi, bánh chưng and home-made rice wine at Tết."
        ),
        "contact_phone": "+84980000114",
        "contact_email": None,
        "image": "img/producers/htx-thai-son.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-sam-nam-nui-danh",
        "name": "HTX Sâm Nam núi Dành Liên Chung",
        "legal_type": "cooperative",
        "tax_code": "2400000015",
        "province": "Bắc Ninh",
        "commune": "Xã Phúc Hoà",
        "street": None,
        "legacy_address": "xã Liên Chung, huyện Tân Yên, tỉnh Bắc Giang",
        "story_vi": (
            "Sâm nam núi Dành là cây dược liệu gắn với vùng núi Dành ở Liên Chung (Tân Yên), nay "
            "thuộc xã Phúc Hoà. Hợp tác xã trồng, chăm sóc và chế biến sâm nam, trong đó có nụ hoa "
            "sâm sấy khô để pha trà. Nụ hoa sâm nam núi Dành được công nhận OCOP 4 sao năm 2022."
        ),
        "story_en": (
            "Sâm nam, a local medicinal plant, is closely tied to Núi Dành mountain in Liên Chung, "
            "Tân Yên, now part of Phúc Hoà. The cooperative grows, tends and processes sâm nam, "
            "including its flower buds, which are dried for tea. Its Núi Dành ginseng-flower buds "
            "were rated 4-star OCOP in 2022."
        ),
        "contact_phone": "+84980000115",
        "contact_email": None,
        "image": "img/producers/htx-sam-nam-nui-danh.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-moc-son",
        "name": "HTX Nông nghiệp Mộc Sơn",
        "legal_type": "cooperative",
        "tax_code": "2400000016",
        "province": "Bắc Ninh",
        "commune": "Xã Yên Thế",
        "street": None,
        "legacy_address": "huyện Yên Thế, tỉnh Bắc Giang",
        "story_vi": (
            "Hợp tác xã Nông nghiệp Mộc Sơn ở Yên Thế làm bánh khảo theo cách truyền thống: bột "
            "nếp rang thơm, trộn đường rồi nén khuôn. Bánh khảo là món quà quê quen thuộc, thường "
            "được mời khách cùng ấm trà nóng, nhất là dịp Tết."
        ),
        "story_en": (
            "Mộc Sơn Agricultural Cooperative in Yên Thế makes bánh khảo the traditional way: "
            "toasted sticky-rice flour mixed with sugar and pressed in moulds. These little cakes "
            "are a familiar country treat, served to guests with a pot of hot tea, especially at "
            "Tết."
        ),
        "contact_phone": "+84980000116",
        "contact_email": None,
        "image": "img/producers/htx-moc-son.svg",
        "commission_bp": 1000,
    },
    {
        "slug": "htx-che-hao-dat",
        "name": "HTX Chè Hảo Đạt",
        "legal_type": "cooperative",
        "tax_code": "4600000017",
        "province": "Thái Nguyên",
        "commune": "Xã Tân Cương",
        "street": None,
        "legacy_address": "xã Tân Cương, thành phố Thái Nguyên, tỉnh Thái Nguyên",
        "story_vi": (
            "Tân Cương là vùng chè nổi tiếng của Thái Nguyên, và Hợp tác xã Chè Hảo Đạt trồng, "
            "sao chè ngay tại đây. Búp chè được hái bằng tay và sao trên chảo theo kinh nghiệm của "
            "người làm chè Tân Cương. Chè đinh Tân Cương Hảo Đạt được công nhận OCOP 5 sao năm "
            "2025."
        ),
        "story_en": (
            "Tân Cương is Thái Nguyên's renowned tea area, and Hảo Đạt Tea Cooperative grows and "
            "roasts its tea right there. The buds are picked by hand and pan-roasted the way Tân "
            "Cương tea makers have long done it. Its Tân Cương chè đinh was recognised as a "
            "5-star OCOP product in 2025."
        ),
        "contact_phone": "+84980000117",
        "contact_email": "haodat@example.vn",
        "image": "img/producers/htx-che-hao-dat.svg",
        "commission_bp": 1000,
    },
]

LUC_NGAN = "Lục Ngạn, Bắc Giang (nay Bắc Ninh)"
TAN_YEN = "Tân Yên, Bắc Giang (nay Bắc Ninh)"
YEN_THE = "Yên Thế, Bắc Giang (nay Bắc Ninh)"

PRODUCTS = [
    {
        "slug": "vai-thieu-luc-ngan-hong-xuan",
        "producer": "htx-hong-xuan",
        "category": "rau-cu-qua-tuoi",
        "name_vi": "Vải thiều Lục Ngạn Hồng Xuân",
        "name_en": "Hồng Xuân Lục Ngạn lychee",
        "description_vi": (
            "Vải thiều Lục Ngạn vỏ mỏng, cùi trắng dày, hạt nhỏ, vị ngọt đậm và thơm. Vải được hái "
            "chín trên cây ở các vườn của Hợp tác xã Hồng Xuân, chọn quả đều và đóng hộp 3 kg tại "
            "vườn. Đây là hàng đặt trước theo mùa: hộp được giao từ đầu tháng 6, khi vải vào chính "
            "vụ. Khi nhận hàng, bảo quản ngăn mát tủ lạnh và dùng trong vài ngày."
        ),
        "description_en": (
            "Lục Ngạn lychees have thin skins, thick white flesh, small seeds and a rich, fragrant "
            "sweetness. They are picked ripe in Hồng Xuân Cooperative's orchards, graded and "
            "packed in 3 kg boxes at the garden. This is a seasonal pre-order: boxes ship from "
            "early June, when the harvest is in full swing. Keep them in the fridge on arrival "
            "and enjoy within a few days."
        ),
        "unit_vi": "hộp 3 kg",
        "unit_en": "3 kg box",
        "origin": LUC_NGAN,
        "price_vnd": 285000,
        "vat_rate": 5,
        "stock": 300,
        "weight_g": 3500,
        "shipping_class": "fresh_perishable",
        "season": (525, 731),
        "preorder": {"ships_on": (6, 5), "cap": 500},
        "adult_only": False,
        "image_alt_vi": "Minh hoạ hộp vải thiều chín đỏ, còn cành và lá xanh",
        "image_alt_en": "Illustration of a box of ripe red lychees with green stems and leaves",
        "certificates": [
            {
                "number": "DEMO-5S-2024-001",
                "decision_number": "DEMO-QĐ-3801/QĐ-BNN-VPĐP",
                "decision_date": date(2024, 10, 8),
                "authority": "ministry",
                "authority_name": MINISTRY,
                "criteria_version": "2023",
                "evaluation_round": "2024",
                "score": 92,
            },
        ],
    },
    {
        "slug": "vai-som-phuc-hoa",
        "producer": "htx-vai-som-phuc-hoa",
        "category": "rau-cu-qua-tuoi",
        "name_vi": "Vải sớm Phúc Hòa",
        "name_en": "Phúc Hòa early lychee",
        "description_vi": (
            "Vải sớm Phúc Hòa chín từ giữa tháng 5, sớm hơn vải thiều Lục Ngạn, là những chùm vải "
            "đầu mùa. Quả to, vỏ đỏ tươi, cùi trắng mọng, vị ngọt xen chút chua dịu rất dễ ăn. Vải "
            "được hái chín và đóng hộp 2 kg; bảo quản ngăn mát và dùng sớm sau khi nhận."
        ),
        "description_en": (
            "Phúc Hòa early lychees ripen from mid-May, ahead of the Lục Ngạn harvest, and are "
            "among the first of the season. The fruit is large and bright red, with juicy white "
            "flesh and a sweet taste with a gentle tang. Picked ripe and packed in 2 kg boxes; "
            "keep refrigerated and eat soon after delivery."
        ),
        "unit_vi": "hộp 2 kg",
        "unit_en": "2 kg box",
        "origin": TAN_YEN,
        "price_vnd": 150000,
        "vat_rate": 5,
        "stock": 0,
        "weight_g": 2400,
        "shipping_class": "fresh_perishable",
        "season": (515, 610),
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ chùm vải sớm đỏ tươi trong giỏ tre",
        "image_alt_en": "Illustration of a bunch of bright red early lychees in a bamboo basket",
        "certificates": [
            {
                "number": "DEMO-4S-2021-011",
                "decision_number": "DEMO-QĐ-1520/QĐ-UBND",
                "decision_date": date(2021, 11, 25),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2019",
                "evaluation_round": "2021",
                "score": 78,
            },
        ],
    },
    {
        "slug": "mang-luc-truc-ngoc-chau",
        "producer": "htx-mang-luc-truc-ngoc-chau",
        "category": "rau-cu-qua-tuoi",
        "name_vi": "Măng lục trúc Ngọc Châu",
        "name_en": "Ngọc Châu fresh bamboo shoots",
        "description_vi": (
            "Măng lục trúc tươi từ Ngọc Châu (Tân Yên), thu hoạch trong mùa từ tháng 5 đến tháng "
            "10. Măng giòn, ngọt, ít đắng. Luộc kỹ trước khi chế biến, rồi xào tỏi, nấu canh hay "
            "chấm muối vừng. Bảo quản ngăn mát và dùng trong vài ngày sau khi nhận."
        ),
        "description_en": (
            "Fresh lục trúc bamboo shoots from Ngọc Châu in Tân Yên, harvested from May to "
            "October. They are crisp and sweet with little bitterness. Boil them well before "
            "cooking, then stir-fry with garlic, add to soups or dip in sesame salt. Keep "
            "refrigerated and use within a few days."
        ),
        "unit_vi": "túi 1 kg",
        "unit_en": "1 kg bag",
        "origin": TAN_YEN,
        "price_vnd": 35000,
        "vat_rate": 5,
        "stock": 0,
        "weight_g": 1150,
        "shipping_class": "fresh_perishable",
        "season": (501, 1031),
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ vài búp măng lục trúc tươi còn bẹ trên nền lá tre",
        "image_alt_en": "Illustration of fresh bamboo shoots in their sheaths on bamboo leaves",
        "certificates": [
            {
                "number": "DEMO-4S-2021-012",
                "decision_number": "DEMO-QĐ-1520/QĐ-UBND",
                "decision_date": date(2021, 11, 25),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2019",
                "evaluation_round": "2021",
                "score": 74,
            },
            {
                "number": "DEMO-4S-2024-021",
                "decision_number": "DEMO-QĐ-2417/QĐ-UBND",
                "decision_date": date(2024, 12, 10),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2023",
                "evaluation_round": "2024",
                "score": 80,
            },
        ],
    },
    {
        "slug": "che-xanh-ban-ven",
        "producer": "htx-than-truong",
        "category": "che-tra",
        "name_vi": "Chè xanh Bản Ven",
        "name_en": "Bản Ven green tea",
        "description_vi": (
            "Chè xanh được hái trên các đồi chè quanh Bản Ven, làng Cao Lan ở Xuân Lương (Yên "
            "Thế), từ mùa xuân đến cuối thu. Búp chè được sao khô, cho nước xanh vàng, vị chát nhẹ "
            "và hậu ngọt. Pha với nước khoảng 80–85 °C, hãm 2–3 phút; bảo quản nơi khô, kín, tránh "
            "ánh nắng."
        ),
        "description_en": (
            "This green tea is picked from spring to late autumn on the hills around Bản Ven, a "
            "Cao Lan village in Xuân Lương, Yên Thế. The leaves are pan-dried to give a "
            "yellow-green cup with light astringency and a sweet finish. Brew with water at about "
            "80–85 °C for 2–3 minutes; store sealed in a dry place away from sunlight."
        ),
        "unit_vi": "túi 500 g",
        "unit_en": "500 g bag",
        "origin": YEN_THE,
        "price_vnd": 160000,
        "vat_rate": 8,
        "stock": 120,
        "weight_g": 600,
        "shipping_class": "ambient",
        "season": (301, 1130),
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ túi chè xanh bên ấm trà, phía sau là đồi chè",
        "image_alt_en": "Illustration of a bag of green tea beside a teapot, with tea hills behind",
        "certificates": [
            {
                "number": "DEMO-4S-2024-022",
                "decision_number": "DEMO-QĐ-2417/QĐ-UBND",
                "decision_date": date(2024, 12, 10),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2023",
                "evaluation_round": "2024",
                "score": 76,
            },
        ],
    },
    {
        "slug": "my-gao-chu-xuan-truong",
        "producer": "htx-xuan-truong",
        "category": "che-bien-tu-gao",
        "name_vi": "Mỳ gạo Chũ Xuân Trường",
        "name_en": "Xuân Trường Chũ rice noodles",
        "description_vi": (
            "Mỳ Chũ được làm từ gạo ở làng nghề Nam Dương, Lục Ngạn: bột gạo được tráng mỏng, thái "
            "sợi và phơi nắng tự nhiên. Sợi mỳ dai, không nát khi nấu, thơm mùi gạo. Chần qua nước "
            "sôi 2–3 phút rồi xào, trộn hoặc nấu canh; bảo quản nơi khô ráo."
        ),
        "description_en": (
            "Chũ noodles are made from rice in the noodle village of Nam Dương, Lục Ngạn: the "
            "batter is spread thin, cut into strands and dried in the sun. The noodles are chewy, "
            "hold together when cooked and taste of rice. Blanch in boiling water for 2–3 "
            "minutes, then stir-fry, toss as a noodle salad or add to soup; store in a dry place."
        ),
        "unit_vi": "gói 1 kg",
        "unit_en": "1 kg pack",
        "origin": LUC_NGAN,
        "price_vnd": 55000,
        "vat_rate": 8,
        "stock": 200,
        "weight_g": 1080,
        "shipping_class": "ambient",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ những bó mỳ gạo trắng phơi trên giàn tre",
        "image_alt_en": "Illustration of bundles of white rice noodles drying on bamboo racks",
        "certificates": [
            {
                "number": "DEMO-4S-2022-031",
                "decision_number": "DEMO-QĐ-1988/QĐ-UBND",
                "decision_date": date(2022, 12, 20),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2019",
                "evaluation_round": "2022",
                "score": 82,
            },
        ],
    },
    {
        "slug": "my-ngu-sac-xuan-truong",
        "producer": "htx-xuan-truong",
        "category": "che-bien-tu-gao",
        "name_vi": "Mỳ ngũ sắc Xuân Trường",
        "name_en": "Xuân Trường five-colour rice noodles",
        "description_vi": (
            "Mỳ ngũ sắc làm từ bột gạo Chũ phối với màu tự nhiên từ rau, củ, cho những sợi mỳ năm "
            "màu. Sợi mỳ dai, vị thanh, làm đĩa mỳ xào hay bát canh thêm bắt mắt. Chần nước sôi "
            "2–3 phút trước khi chế biến; bảo quản nơi khô ráo, thoáng mát."
        ),
        "description_en": (
            "Five-colour noodles are made from Chũ rice flour coloured naturally with vegetables, "
            "giving strands in five shades. They are chewy and mild, and brighten up any stir-fry "
            "or noodle soup. Blanch in boiling water for 2–3 minutes before cooking; store in a "
            "cool, dry place."
        ),
        "unit_vi": "gói 500 g",
        "unit_en": "500 g pack",
        "origin": LUC_NGAN,
        "price_vnd": 45000,
        "vat_rate": 8,
        "stock": 80,
        "weight_g": 560,
        "shipping_class": "ambient",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ những nắm mỳ năm màu xếp cạnh nhau",
        "image_alt_en": "Illustration of bundles of rice noodles in five colours side by side",
        # Not OCOP-rated: exercises the product page without a certificate.
        "certificates": [],
    },
    {
        "slug": "my-gao-luc-ngan-hang-hieu",
        "producer": "htx-hang-hieu",
        "category": "che-bien-tu-gao",
        "name_vi": "Mỳ gạo Lục Ngạn Hằng Hiếu",
        "name_en": "Hằng Hiếu Lục Ngạn rice noodles",
        "description_vi": (
            "Mỳ gạo Lục Ngạn của Hợp tác xã Hằng Hiếu làm từ gạo địa phương, tráng bánh, thái sợi "
            "và phơi khô theo cách quen thuộc của vùng Chũ. Sợi mỳ mảnh, dai, chín nhanh mà không "
            "bở. Hợp để xào thịt bò, nấu canh cá hay làm mỳ trộn; bảo quản nơi khô ráo."
        ),
        "description_en": (
            "Hằng Hiếu's Lục Ngạn rice noodles are made from local rice, spread into sheets, cut "
            "and dried in the familiar Chũ way. The strands are fine and chewy and cook quickly "
            "without going mushy. Good stir-fried with beef, in fish soup or as a dressed noodle "
            "salad; store in a dry place."
        ),
        "unit_vi": "gói 1 kg",
        "unit_en": "1 kg pack",
        "origin": LUC_NGAN,
        "price_vnd": 60000,
        "vat_rate": 8,
        "stock": 150,
        "weight_g": 1080,
        "shipping_class": "ambient",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ gói mỳ gạo khô buộc lạt tre",
        "image_alt_en": "Illustration of a pack of dried rice noodles tied with bamboo string",
        "certificates": [
            {
                "number": "DEMO-4S-2024-023",
                "decision_number": "DEMO-QĐ-2417/QĐ-UBND",
                "decision_date": date(2024, 12, 10),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2023",
                "evaluation_round": "2024",
                "score": 73,
            },
        ],
    },
    {
        "slug": "mat-ong-hoa-vai",
        "producer": "htx-hang-hieu",
        "category": "mat-ong",
        "name_vi": "Mật ong hoa vải Lục Ngạn",
        "name_en": "Lục Ngạn lychee-flower honey",
        "description_vi": (
            "Mật ong do đàn ong lấy từ hoa vải khi các vườn Lục Ngạn nở hoa vào tháng 3, tháng 4, "
            "và được thu sau mùa hoa. Mật màu vàng sáng, thơm nhẹ mùi hoa vải, vị ngọt thanh. Mật "
            "có thể kết tinh khi trời lạnh, đó là hiện tượng tự nhiên; đậy kín, bảo quản ở nhiệt "
            "độ phòng. Không dùng cho trẻ dưới 1 tuổi."
        ),
        "description_en": (
            "The bees gather this honey from lychee blossom when Lục Ngạn's orchards flower in "
            "March and April, and it is harvested after the bloom. It is light amber with a "
            "delicate lychee-flower scent and a clean sweetness. It may crystallise in cold "
            "weather, which is natural; keep it tightly closed at room temperature. Not suitable "
            "for babies under one year."
        ),
        "unit_vi": "chai 500 ml",
        "unit_en": "500 ml bottle",
        "origin": LUC_NGAN,
        "price_vnd": 190000,
        "vat_rate": 5,
        "stock": 60,
        "weight_g": 1050,
        "shipping_class": "ambient",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ chai mật ong vàng óng bên cành hoa vải",
        "image_alt_en": "Illustration of a bottle of golden honey beside a sprig of lychee blossom",
        "certificates": [
            {
                "number": "DEMO-3S-2023-041",
                "decision_number": "DEMO-QĐ-2105/QĐ-UBND",
                "decision_date": date(2023, 12, 15),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2023",
                "evaluation_round": "2023",
                "score": 66,
            },
        ],
    },
    {
        "slug": "vai-thieu-huu-co-vu-van-men",
        "producer": "ho-vu-van-men",
        "category": "rau-cu-qua-tuoi",
        "name_vi": "Vải thiều hữu cơ Vũ Văn Mến",
        "name_en": "Vũ Văn Mến organic lychee",
        "description_vi": (
            "Vải thiều trồng theo phương pháp hữu cơ trong vườn của hộ Vũ Văn Mến ở Kiên Lao, Lục "
            "Ngạn. Vải chỉ được hái khi chín đều: quả đỏ, cùi dày, ngọt đậm. Mùa vải từ tháng 6 "
            "đến hết tháng 7; hộp 2 kg nên bảo quản ngăn mát và dùng trong vài ngày."
        ),
        "description_en": (
            "Lychees grown organically in the Vũ Văn Mến family orchard in Kiên Lao, Lục Ngạn. "
            "They are picked only when evenly ripe: red, thick-fleshed and richly sweet. The "
            "season runs from June to the end of July; keep the 2 kg box refrigerated and eat "
            "within a few days."
        ),
        "unit_vi": "hộp 2 kg",
        "unit_en": "2 kg box",
        "origin": LUC_NGAN,
        "price_vnd": 220000,
        "vat_rate": 5,
        "stock": 0,
        "weight_g": 2400,
        "shipping_class": "fresh_perishable",
        "season": (601, 731),
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ những chùm vải chín đỏ trên cành giữa vườn",
        "image_alt_en": "Illustration of ripe red lychees hanging on a branch in an orchard",
        "certificates": [
            {
                "number": "DEMO-3S-2024-024",
                "decision_number": "DEMO-QĐ-2417/QĐ-UBND",
                "decision_date": date(2024, 12, 10),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2023",
                "evaluation_round": "2024",
                "score": 64,
            },
        ],
    },
    {
        "slug": "tra-hoa-cuc-chi-luc-ngan",
        "producer": "htx-luc-ngan-xanh",
        "category": "thuc-pham-duoc-lieu",
        "name_vi": "Trà hoa cúc chi Lục Ngạn",
        "name_en": "Lục Ngạn chrysanthemum tea",
        "description_vi": (
            "Những bông cúc chi nhỏ được hái khi vừa nở và sấy khô nhẹ, giữ màu vàng và mùi thơm "
            "dịu. Nước trà vàng trong, vị thanh, hơi đắng rồi ngọt hậu, không có caffeine nên hợp "
            "uống buổi tối. Hãm 5–7 bông với nước sôi 3–5 phút, có thể thêm chút mật ong; bảo "
            "quản nơi khô, đậy kín."
        ),
        "description_en": (
            "Small chi chrysanthemum flowers are picked just as they open and gently dried to keep "
            "their yellow colour and soft fragrance. The tea is clear gold, mild and slightly "
            "bitter with a sweet finish, and caffeine-free, so good in the evening. Steep 5–7 "
            "flowers in boiling water for 3–5 minutes, with a little honey if you like; keep "
            "sealed and dry."
        ),
        "unit_vi": "hộp 100 g",
        "unit_en": "100 g box",
        "origin": LUC_NGAN,
        "price_vnd": 220000,
        "vat_rate": 8,
        "stock": 40,
        "weight_g": 250,
        "shipping_class": "ambient",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ tách trà hoa cúc vàng và vài bông cúc khô",
        "image_alt_en": "Illustration of a cup of golden chrysanthemum tea and a few dried flowers",
        "certificates": [
            {
                "number": "DEMO-3S-2025-051",
                "decision_number": "DEMO-QĐ-0912/QĐ-UBND",
                "decision_date": date(2025, 5, 20),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2023",
                "evaluation_round": "2025",
                "score": 61,
            },
        ],
    },
    {
        "slug": "cha-ga-doi-yen-the",
        "producer": "htx-nong-nghiep-xanh-yen-the",
        "category": "che-bien-tu-thit",
        "name_vi": "Chả gà đồi Yên Thế",
        "name_en": "Yên Thế hill-chicken sausage",
        "description_vi": (
            "Chả gà làm từ thịt gà đồi Yên Thế giã nhuyễn, nêm vừa ăn, gói lại rồi làm chín, thịt "
            "dai giòn và ngọt tự nhiên. Có thể ăn ngay, rán vàng hoặc cắt lát bày mâm cỗ ngày Tết. "
            "Hàng giao lạnh; bảo quản ngăn mát 0–4 °C và dùng theo hạn in trên bao bì."
        ),
        "description_en": (
            "Made from Yên Thế hill-chicken meat pounded smooth, lightly seasoned, wrapped and "
            "cooked, this sausage is firm, springy and naturally sweet. Eat it as it is, pan-fry "
            "it golden, or slice it for a Tết feast. Ships chilled; keep at 0–4 °C and use by the "
            "date on the pack."
        ),
        "unit_vi": "gói 500 g",
        "unit_en": "500 g pack",
        "origin": YEN_THE,
        "price_vnd": 150000,
        "vat_rate": 8,
        "stock": 50,
        "weight_g": 900,
        "shipping_class": "chilled",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ đĩa chả gà cắt lát kèm lá chanh",
        "image_alt_en": "Illustration of sliced chicken sausage on a plate with lime leaves",
        "certificates": [
            {
                "number": "DEMO-4S-2022-032",
                "decision_number": "DEMO-QĐ-1988/QĐ-UBND",
                "decision_date": date(2022, 12, 20),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2019",
                "evaluation_round": "2022",
                "score": 75,
            },
        ],
    },
    {
        "slug": "nem-nuong-lien-chung",
        "producer": "htx-nem-nuong-lien-chung",
        "category": "che-bien-tu-thit",
        "name_vi": "Nem nướng Liên Chung",
        "name_en": "Liên Chung grilled pork roll",
        "description_vi": (
            "Nem nướng Liên Chung làm từ thịt lợn tươi, tẩm ướp theo cách của làng rồi nướng trên "
            "than hoa, thơm mùi khói và đậm vị. Hâm nóng trên chảo hoặc lò nướng, ăn kèm rau sống "
            "và nước chấm. Hàng giao lạnh; bảo quản ngăn mát và dùng theo hạn in trên bao bì."
        ),
        "description_en": (
            "Liên Chung grilled pork rolls are made from fresh pork, seasoned the village way and "
            "grilled over charcoal, smoky and full of flavour. Warm them in a pan or oven and "
            "serve with fresh herbs and dipping sauce. Ships chilled; keep refrigerated and use by "
            "the date on the pack."
        ),
        "unit_vi": "gói 500 g",
        "unit_en": "500 g pack",
        "origin": TAN_YEN,
        "price_vnd": 100000,
        "vat_rate": 8,
        "stock": 40,
        "weight_g": 900,
        "shipping_class": "chilled",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ những cuộn nem nướng vàng nâu trên vỉ than",
        "image_alt_en": "Illustration of golden-brown pork rolls on a charcoal grill",
        "certificates": [
            {
                "number": "DEMO-4S-2021-013",
                "decision_number": "DEMO-QĐ-1520/QĐ-UBND",
                "decision_date": date(2021, 11, 25),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2019",
                "evaluation_round": "2021",
                "score": 71,
            },
        ],
    },
    {
        "slug": "ruou-nep-cai-hoa-vang-lang-van",
        "producer": "htx-van-huong",
        "category": "do-uong-co-con",
        "name_vi": "Rượu nếp cái hoa vàng làng Vân",
        "name_en": "Vân village sticky-rice wine",
        "description_vi": (
            "Rượu nấu từ gạo nếp cái hoa vàng theo cách truyền thống của làng Vân bên sông Cầu, "
            "trong, thơm mùi nếp, êm và ấm. Thường dùng trong mâm cỗ và làm quà biếu dịp Tết; bảo "
            "quản nơi thoáng mát, tránh ánh nắng. Sản phẩm có cồn, chỉ bán cho người từ 18 tuổi "
            "trở lên; đã uống rượu, bia thì không lái xe."
        ),
        "description_en": (
            "Distilled from golden-flower sticky rice in the traditional way of Vân village on "
            "the Cầu river, this wine is clear, fragrant with sticky rice, smooth and warming. It "
            "is served at family feasts and given as a Tết gift; store in a cool place away from "
            "sunlight. Contains alcohol: sold only to adults aged 18 and over. Never drink and "
            "drive."
        ),
        "unit_vi": "chai 1 lít",
        "unit_en": "1 litre bottle",
        "origin": "Việt Yên, Bắc Giang (nay Bắc Ninh)",
        "price_vnd": 250000,
        "vat_rate": 10,
        "stock": 70,
        "weight_g": 1700,
        "shipping_class": "ambient",
        "season": None,
        "preorder": None,
        "adult_only": True,
        "image_alt_vi": "Minh hoạ chai rượu trắng trong bên chén nhỏ và bông lúa nếp",
        "image_alt_en": (
            "Illustration of a clear bottle of rice wine beside a small cup and ears of sticky rice"
        ),
        "certificates": [
            {
                "number": "DEMO-4S-2021-014",
                "decision_number": "DEMO-QĐ-1520/QĐ-UBND",
                "decision_date": date(2021, 11, 25),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2019",
                "evaluation_round": "2021",
                "score": 77,
            },
        ],
    },
    {
        "slug": "vu-sua-tan-yen",
        "producer": "htx-vu-sua-hop-duc",
        "category": "rau-cu-qua-tuoi",
        "name_vi": "Vú sữa Tân Yên",
        "name_en": "Tân Yên star apple",
        "description_vi": (
            "Vú sữa Tân Yên chín quanh dịp Tết, từ tháng 12 đến tháng 2, thịt quả trắng, mềm, ngọt "
            "thanh như sữa. Hàng nhận đặt trước và giao từ đầu tháng 12, đóng hộp 2 kg. Để quả ở "
            "nhiệt độ phòng đến khi hơi mềm rồi cho vào ngăn mát; bổ đôi, xúc bằng thìa, ăn lạnh "
            "càng ngon."
        ),
        "description_en": (
            "Tân Yên star apples ripen around Tết, from December to February; the flesh is soft, "
            "white and milky sweet. Taken as a pre-order and shipped from early December in 2 kg "
            "boxes. Leave the fruit at room temperature until slightly soft, then refrigerate; "
            "halve and scoop with a spoon, best served chilled."
        ),
        "unit_vi": "hộp 2 kg",
        "unit_en": "2 kg box",
        "origin": TAN_YEN,
        "price_vnd": 160000,
        "vat_rate": 5,
        "stock": 100,
        "weight_g": 2400,
        "shipping_class": "fresh_perishable",
        "season": (1201, 228),
        "preorder": {"ships_on": (12, 5), "cap": 100},
        "adult_only": False,
        "image_alt_vi": "Minh hoạ quả vú sữa bổ đôi lộ phần thịt trắng",
        "image_alt_en": "Illustration of a star apple cut in half showing its white flesh",
        "certificates": [
            {
                "number": "DEMO-4S-2024-026",
                "decision_number": "DEMO-QĐ-2417/QĐ-UBND",
                "decision_date": date(2024, 12, 10),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2023",
                "evaluation_round": "2024",
                "score": 79,
            },
        ],
    },
    {
        "slug": "dong-trung-ha-thao-truong-tho",
        "producer": "duoc-thao-truong-tho",
        "category": "duoc-lieu-kho",
        "name_vi": "Đông trùng hạ thảo khô Trường Thọ",
        "name_en": "Trường Thọ dried cordyceps",
        "description_vi": (
            "Đông trùng hạ thảo do Công ty Dược Thảo Trường Thọ nuôi cấy tại Lục Nam, sấy khô và "
            "đóng lọ 10 g. Có thể hãm 5–10 sợi với nước nóng như trà, hoặc cho vào cháo, canh, món "
            "hầm; đậy kín lọ, bảo quản nơi khô ráo sau khi mở. Sản phẩm không phải là thuốc và "
            "không có tác dụng thay thế thuốc chữa bệnh."
        ),
        "description_en": (
            "Cordyceps cultivated by Trường Thọ in Lục Nam, dried and packed in 10 g jars. Steep "
            "5–10 strands in hot water like tea, or add them to rice porridge, soups and stews; "
            "once opened, keep the jar tightly closed in a dry place. This is a food, not a "
            "medicine, and does not replace medical treatment."
        ),
        "unit_vi": "lọ 10 g",
        "unit_en": "10 g jar",
        "origin": "Lục Nam, Bắc Giang (nay Bắc Ninh)",
        "price_vnd": 550000,
        "vat_rate": 8,
        "stock": 25,
        "weight_g": 200,
        "shipping_class": "ambient",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ lọ thuỷ tinh đựng những sợi đông trùng hạ thảo khô màu cam",
        "image_alt_en": "Illustration of a glass jar of orange dried cordyceps strands",
        "certificates": [
            {
                "number": "DEMO-4S-2021-015",
                "decision_number": "DEMO-QĐ-1520/QĐ-UBND",
                "decision_date": date(2021, 11, 25),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2019",
                "evaluation_round": "2021",
                "score": 84,
            },
        ],
    },
    {
        "slug": "gao-nep-cai-hoa-vang-thai-son",
        "producer": "htx-thai-son",
        "category": "che-bien-tu-gao",
        "name_vi": "Gạo nếp cái hoa vàng Thái Sơn",
        "name_en": "Thái Sơn golden-flower sticky rice",
        "description_vi": (
            "Nếp cái hoa vàng trồng trên đồng Thái Sơn (Hiệp Hòa), hạt tròn, đục, nấu lên dẻo và "
            "thơm. Gạo vụ mới có từ tháng 10 đến tháng 11, đúng dịp chuẩn bị cho mâm cỗ cuối năm. "
            "Dùng để đồ xôi, gói bánh chưng, làm bánh hay nấu rượu; ngâm gạo vài giờ trước khi đồ, "
            "bảo quản nơi khô, kín."
        ),
        "description_en": (
            "Golden-flower sticky rice grown in the fields of Thái Sơn, Hiệp Hòa: round, opaque "
            "grains that cook soft, sticky and fragrant. The new crop arrives in October and "
            "November, in time for year-end feasts. Use it for xôi (steamed sticky rice), bánh "
            "chưng, sweets or home-made rice wine; soak for a few hours before steaming, and "
            "store sealed and dry."
        ),
        "unit_vi": "túi 2 kg",
        "unit_en": "2 kg bag",
        "origin": "Hiệp Hòa, Bắc Giang (nay Bắc Ninh)",
        "price_vnd": 100000,
        "vat_rate": 5,
        "stock": 300,
        "weight_g": 2050,
        "shipping_class": "ambient",
        "season": (1001, 1130),
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ túi gạo nếp hạt tròn bên bông lúa vàng",
        "image_alt_en": "Illustration of a bag of round-grain sticky rice beside golden rice ears",
        "certificates": [
            {
                "number": "DEMO-4S-2024-027",
                "decision_number": "DEMO-QĐ-2417/QĐ-UBND",
                "decision_date": date(2024, 12, 10),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2023",
                "evaluation_round": "2024",
                "score": 72,
            },
        ],
    },
    {
        "slug": "nu-hoa-sam-nam-nui-danh",
        "producer": "htx-sam-nam-nui-danh",
        "category": "thuc-pham-duoc-lieu",
        "name_vi": "Nụ hoa sâm nam núi Dành",
        "name_en": "Núi Dành ginseng-flower tea",
        "description_vi": (
            "Nụ hoa sâm nam được hái ở vùng núi Dành (Liên Chung, Tân Yên) và sấy khô để pha trà. "
            "Nước trà màu vàng nhạt, thơm nhẹ, vị ngọt thanh. Hãm một nhúm nhỏ nụ hoa với nước sôi "
            "3–5 phút, uống nóng hoặc để nguội; bảo quản nơi khô ráo, đậy kín. Sản phẩm không phải "
            "là thuốc và không có tác dụng thay thế thuốc chữa bệnh."
        ),
        "description_en": (
            "Flower buds of sâm nam, a local medicinal plant, picked around Núi Dành mountain in "
            "Liên Chung, Tân Yên, and dried for tea. The brew is pale gold, lightly fragrant and "
            "gently sweet. Steep a small pinch of buds in boiling water for 3–5 minutes and drink "
            "hot or cooled; keep sealed and dry. This is a food, not a medicine, and does not "
            "replace medical treatment."
        ),
        "unit_vi": "hộp 100 g",
        "unit_en": "100 g box",
        "origin": TAN_YEN,
        "price_vnd": 280000,
        "vat_rate": 8,
        "stock": 30,
        "weight_g": 220,
        "shipping_class": "ambient",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ hộp nụ hoa sâm khô bên ấm trà",
        "image_alt_en": "Illustration of a box of dried ginseng-flower buds beside a teapot",
        "certificates": [
            {
                "number": "DEMO-4S-2022-033",
                "decision_number": "DEMO-QĐ-1988/QĐ-UBND",
                "decision_date": date(2022, 12, 20),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2019",
                "evaluation_round": "2022",
                "score": 72,
            },
        ],
    },
    {
        "slug": "banh-khao-moc-son",
        "producer": "htx-moc-son",
        "category": "che-bien-tu-gao",
        "name_vi": "Bánh khảo Mộc Sơn",
        "name_en": "Mộc Sơn rice cakes",
        "description_vi": (
            "Bánh khảo Mộc Sơn làm từ bột nếp rang thơm, trộn đường và nén khuôn thành những miếng "
            "bánh nhỏ, ăn bùi, ngọt và tan trong miệng. Bánh hợp dùng với trà nóng và là món quà "
            "quê quen thuộc dịp Tết. Bảo quản nơi khô ráo, đậy kín sau khi mở."
        ),
        # No English description on purpose: exercises the Vietnamese fallback.
        "description_en": None,
        "unit_vi": "hộp 300 g",
        "unit_en": "300 g box",
        "origin": YEN_THE,
        "price_vnd": 65000,
        "vat_rate": 8,
        "stock": 100,
        "weight_g": 400,
        "shipping_class": "ambient",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ hộp bánh khảo trắng ngà bên chén trà",
        "image_alt_en": "Illustration of a box of ivory rice cakes next to a cup of tea",
        "certificates": [
            {
                "number": "DEMO-3S-2021-016",
                "decision_number": "DEMO-QĐ-1520/QĐ-UBND",
                "decision_date": date(2021, 11, 25),
                "authority": "province",
                "authority_name": BAC_GIANG,
                "criteria_version": "2019",
                "evaluation_round": "2021",
                "score": 58,
            },
        ],
    },
    {
        "slug": "che-dinh-tan-cuong-hao-dat",
        "producer": "htx-che-hao-dat",
        "category": "che-tra",
        "name_vi": "Chè đinh Tân Cương Hảo Đạt",
        "name_en": "Hảo Đạt Tân Cương chè đinh (nail tea)",
        "description_vi": (
            "Chè đinh chỉ dùng phần nõn nhỏ nhất của búp chè Tân Cương; khi sao khô, sợi chè săn "
            "lại nhỏ như chiếc đinh, nên có tên gọi này. Nước chè xanh trong, hương cốm non, vị "
            "chát dịu và hậu ngọt kéo dài. Pha với nước khoảng 80 °C, tráng ấm rồi hãm 1–2 phút; "
            "bảo quản kín, tránh ẩm và mùi lạ."
        ),
        "description_en": (
            "Chè đinh uses only the tiniest bud of the Tân Cương tea shoot; once pan-dried, the "
            "leaves curl up as small as a nail, which gives the tea its name. The liquor is clear "
            "green with a young-rice aroma, gentle astringency and a long sweet finish. Brew at "
            "about 80 °C in a warmed pot for 1–2 minutes; keep airtight, away from damp and "
            "strong smells."
        ),
        "unit_vi": "hộp 100 g",
        "unit_en": "100 g box",
        "origin": "Tân Cương, Thái Nguyên",
        "price_vnd": 250000,
        "vat_rate": 8,
        "stock": 20,
        "weight_g": 250,
        "shipping_class": "ambient",
        "season": None,
        "preorder": None,
        "adult_only": False,
        "image_alt_vi": "Minh hoạ hộp chè đinh bên chén trà xanh trong",
        "image_alt_en": "Illustration of a box of nail tea beside a cup of clear green tea",
        "certificates": [
            {
                "number": "DEMO-5S-2025-002",
                "decision_number": "DEMO-QĐ-0215/QĐ-BNN-VPĐP",
                "decision_date": date(2025, 2, 14),
                "authority": "ministry",
                "authority_name": MINISTRY,
                "criteria_version": "2023",
                "evaluation_round": "2025",
                "score": 93,
            },
        ],
    },
]

DEMO_USERS = [
    {
        "email": "admin@ocop.example",
        "name": "Quản trị OCOP",
        "role": "admin",
        "password": "demo-admin-2026",
        "locale": "vi",
    },
    {
        "email": "hongxuan@ocop.example",
        "name": "Nguyễn Thị Hồng",
        "role": "producer_staff",
        "producer": "htx-hong-xuan",
        "password": "demo-producer-2026",
        "locale": "vi",
    },
    {
        "email": "xuantruong@ocop.example",
        "name": "Trần Văn Trường",
        "role": "producer_staff",
        "producer": "htx-xuan-truong",
        "password": "demo-producer-2026",
        "locale": "vi",
    },
    {
        "email": "customer@ocop.example",
        "name": "Lê Minh Anh",
        "role": "customer",
        "password": "demo-customer-2026",
        "locale": "vi",
    },
    {
        "email": "traveller@ocop.example",
        "name": "Emma Clarke",
        "role": "customer",
        "password": "demo-customer-2026",
        "locale": "en",
    },
]

# Provinces the demo producers reach with fresh and chilled parcels within 48 hours, besides
# their own (a producer's own province is always served).
FRESH_DELIVERY_PROVINCES = "Hà Nội;Hải Phòng;Thái Nguyên;Lạng Sơn;Quảng Ninh;Bắc Ninh"
