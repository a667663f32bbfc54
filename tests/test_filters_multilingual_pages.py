"""Hand-written web pages in ten languages (five scripts) for the multilingual filter tests.

For each language: ``good`` (an ordinary page of a small business or institution) and
``good_news`` (a local news item with opening hours, a phone number and figures), to keep;
``spam`` (keyword stuffing, to remove) and ``adult`` (an adult-site advertisement, to remove).
Paragraphs are separated by blank lines. The texts were written for these tests.
"""

PAGES: dict[str, dict[str, str]] = {
    "en": {
        "good": """Our bakery opened in 1998 in a small street near the old market. Every morning we bake bread, rolls and pastries with flour from a mill in the next valley, and we sell them while they are still warm.

We close on Mondays. On the other days the shop is open from seven in the morning until six in the evening, and on Sundays until noon. If you want a cake for a birthday or a wedding, please order it at least three days before.

Our team is small: two bakers, one pastry cook and three people in the shop. We are always happy to explain how a loaf is made, and children can watch the ovens through the window at the back of the shop.""",
        "good_news": """Opening hours: Monday to Friday, 9:00 to 17:30. Phone: 020 7946 0321.

Last week the town council agreed to repair the footbridge over the river before the winter. The work will cost about £120,000 and should take six weeks, starting on 4 November. During the repairs, people who walk or cycle to the station will have to use the road bridge, which is about ten minutes longer.

Many residents wrote to the council this summer because the old bridge had become slippery and unsafe. "We are glad that something is finally happening," said one of them, who has crossed it every day for twenty years.""",
        "spam": """cheap watches cheap watches buy cheap watches online best cheap watches cheap watches sale cheap watches cheap watches buy cheap watches online best cheap watches cheap watches sale

buy cheap watches online best cheap watches cheap watches sale cheap watches cheap watches buy cheap watches online best cheap watches cheap watches sale cheap watches cheap watches

cheap watches sale cheap watches cheap watches buy cheap watches online best cheap watches cheap watches sale cheap watches cheap watches buy cheap watches online best cheap watches""",
        "adult": """Watch the hottest porn videos for free, with new sexy camgirls online every night and thousands of xxx clips.

Join now and chat live with horny girls on our sexcam, the best porn site in the world, no credit card needed.

Every day we add new videos of milf and amateur porn, all in full quality, free for all our members.""",
    },
    "fr": {
        "good": """Notre petit hôtel se trouve au bord de la mer, à deux pas du port et de la plage. Les chambres sont simples et calmes, et la plupart ont une vue sur la baie.

Le petit déjeuner est servi tous les matins dans la salle à manger, avec du pain frais, des confitures faites maison et du beurre salé de la région. Le soir, vous pouvez prendre un verre sur la terrasse en regardant le coucher du soleil.

Nous sommes ouverts d'avril à octobre. Pour réserver une chambre, appelez-nous ou écrivez-nous : nous vous répondrons dans la journée. Les animaux sont les bienvenus, à condition qu'ils soient propres et tenus en laisse dans les parties communes.""",
        "good_news": """Horaires : du mardi au samedi, de 10 h à 19 h. Tél. : 02 98 45 12 34.

La mairie a annoncé hier que la bibliothèque municipale fermera pendant trois semaines en janvier pour des travaux de rénovation. Le coût total des travaux est estimé à 85 000 euros, dont une partie sera payée par la région.

Pendant la fermeture, les lecteurs pourront rendre leurs livres dans une boîte placée devant l'entrée. Les animations pour les enfants reprendront dès la réouverture, le samedi 3 février, avec une lecture de contes à 15 heures.""",
        "spam": """assurance pas cher assurance auto pas cher meilleure assurance pas cher devis assurance pas cher assurance pas cher assurance auto pas cher meilleure assurance pas cher devis assurance pas cher

devis assurance pas cher assurance pas cher assurance auto pas cher meilleure assurance pas cher devis assurance pas cher assurance pas cher assurance auto pas cher meilleure assurance

meilleure assurance pas cher devis assurance pas cher assurance pas cher assurance auto pas cher meilleure assurance pas cher devis assurance pas cher assurance pas cher assurance auto""",
        "adult": """Les meilleures vidéos de salope et de pute gratuites, avec des milliers de filles qui veulent te sucer la bite ce soir.

Rejoins notre site de cul et regarde des salopes se faire enculer en direct, sans carte bancaire, tous les jours.

Des nouvelles vidéos de putain de cul chaque jour, en haute qualité, pour tous nos membres.""",
    },
    "de": {
        "good": """Unsere Schreinerei ist ein Familienbetrieb in der dritten Generation. Wir bauen Möbel nach Maß, Treppen, Türen und Fenster aus Holz, und wir reparieren auch alte Stücke, die Ihnen am Herzen liegen.

Jedes Möbelstück wird in unserer Werkstatt geplant und von Hand gefertigt. Wir arbeiten vor allem mit Holz aus der Region, zum Beispiel Eiche, Buche und Kirsche, und wir beraten Sie gerne bei der Auswahl.

Sie erreichen uns von Montag bis Freitag zwischen acht und siebzehn Uhr. Gerne kommen wir auch zu Ihnen nach Hause, um die Maße zu nehmen und Ihre Wünsche zu besprechen.""",
        "good_news": """Öffnungszeiten: Montag bis Freitag 8 bis 18 Uhr, Samstag 9 bis 13 Uhr. Telefon: 089 123 45 67.

Der Stadtrat hat am Dienstag beschlossen, den Spielplatz im Stadtpark zu erneuern. Die Arbeiten sollen im März beginnen und etwa 150.000 Euro kosten. Neue Schaukeln, eine größere Sandfläche und mehr Bänke für die Eltern sind geplant.

Viele Familien hatten sich in den letzten Jahren über die alten Geräte beschwert. „Wir freuen uns, dass die Kinder bald wieder sicher spielen können“, sagte eine Mutter, die mit ihren zwei Söhnen fast jeden Tag in den Park kommt.""",
        "spam": """Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können.

Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können.

Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können. Hier finden Sie billige Kredite ohne Schufa, die Sie sofort und ganz einfach online beantragen können.""",
        "adult": """Die besten Porno Videos kostenlos, mit geilen Schlampen, die heute Nacht ficken wollen und dich live sehen.

Melde dich jetzt an und sieh zu, wie die Titten der Nutten wackeln, ohne Kreditkarte und jeden Tag neu.

Jeden Tag neue Porno Filme mit Huren und Schlampen, in bester Qualität, für alle unsere Mitglieder.""",
    },
    "es": {
        "good": """Esta receta de tortilla de patatas es la que hacía mi abuela todos los domingos. Solo necesitas patatas, huevos, una cebolla, aceite de oliva y un poco de sal.

Primero, pela las patatas y córtalas en láminas finas. Fríelas a fuego lento con la cebolla durante unos veinte minutos, hasta que estén blandas pero sin dorarse. Después, escúrrelas bien y mézclalas con los huevos batidos.

Cuaja la tortilla en una sartén pequeña y dale la vuelta con la ayuda de un plato. Se puede comer caliente o fría, y al día siguiente está todavía mejor. Si te gusta, cuéntanos en los comentarios cómo la preparas tú.""",
        "good_news": """Horario: de lunes a viernes, de 9:00 a 20:00. Teléfono: 912 345 678.

El ayuntamiento ha anunciado que el mercado municipal abrirá también los domingos a partir del próximo mes. La reforma del edificio, que costó unos 300.000 euros, terminó en septiembre y ahora hay más puestos de fruta, pescado y verdura.

Los vecinos están contentos con el cambio, porque muchos trabajan durante la semana y solo pueden hacer la compra el fin de semana. Según los comerciantes, las ventas ya han subido casi un veinte por ciento desde la reapertura.""",
        "spam": """vuelos baratos madrid vuelos baratos ofertas vuelos baratos hoy vuelos baratos madrid vuelos baratos ofertas vuelos baratos hoy vuelos baratos madrid vuelos baratos ofertas vuelos baratos

vuelos baratos ofertas vuelos baratos hoy vuelos baratos madrid vuelos baratos ofertas vuelos baratos hoy vuelos baratos madrid vuelos baratos ofertas vuelos baratos hoy vuelos baratos

vuelos baratos hoy vuelos baratos madrid vuelos baratos ofertas vuelos baratos hoy vuelos baratos madrid vuelos baratos ofertas vuelos baratos hoy vuelos baratos madrid vuelos baratos""",
        "adult": """Los mejores vídeos de sexo gratis, con putas que quieren follar contigo esta noche y miles de mamadas en directo.

Entra ahora y mira a las putas más calientes follar en vivo, sin tarjeta de crédito, todos los días del año.

Cada día nuevos vídeos de sexo y mamadas en alta calidad, gratis para todos nuestros miembros.""",
    },
    "it": {
        "good": """La biblioteca comunale è aperta a tutti, dal lunedì al sabato, con orario continuato dalle nove alle diciannove. L'iscrizione è gratuita e basta un documento d'identità.

Nelle nostre sale puoi leggere i giornali del giorno, studiare in silenzio o usare i computer per cercare informazioni. Per i bambini c'è uno spazio dedicato, con libri illustrati e letture ad alta voce ogni mercoledì pomeriggio.

Puoi prendere in prestito fino a cinque libri per un mese. Se un libro che cerchi non è disponibile, lo possiamo chiedere a un'altra biblioteca della provincia e ti avvisiamo quando arriva.""",
        "good_news": """Orari: dal lunedì al venerdì, dalle 8:30 alle 19:00. Telefono: 06 1234 5678.

Il comune ha deciso di rinnovare la piazza del mercato entro la prossima estate. I lavori, che costeranno circa 200.000 euro, inizieranno a febbraio e dureranno quattro mesi. Saranno piantati nuovi alberi e verranno messe più panchine per chi vuole riposare all'ombra.

Durante i lavori il mercato del sabato si sposterà nel parcheggio vicino alla stazione. Secondo il sindaco, la piazza rinnovata sarà un luogo più piacevole per le famiglie e per i turisti che visitano il centro storico.""",
        "spam": """Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua.

Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua.

Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua. Qui trovi scarpe economiche da donna in saldi, che puoi comprare online con la consegna gratuita a casa tua.""",
        "adult": """I migliori video di figa e cazzo gratis, con troie che vogliono scopare con te stasera e mille pompini in diretta.

Entra ora e guarda le troie più calde farsi scopare dal vivo, senza carta di credito, tutti i giorni.

Ogni giorno nuovi video di cazzo, figa e di ogni troia in alta qualità, gratis per tutti i nostri iscritti.""",
    },
    "ru": {
        "good": """Наша компания работает на рынке строительных материалов с две тысячи пятого года. Мы продаём кирпич, цемент, сухие смеси и утеплитель, а также доставляем их по городу и области.

На складе всегда есть всё необходимое для ремонта квартиры или строительства дома. Наши менеджеры помогут рассчитать количество материалов и подобрать то, что подходит именно для вашего проекта.

Мы работаем без выходных с восьми утра до восьми вечера. Оставьте заявку на сайте или позвоните нам, и мы свяжемся с вами в течение часа, чтобы обсудить заказ и время доставки.""",
        "good_news": """Часы работы: с понедельника по пятницу с 9:00 до 18:00. Телефон: +7 495 123-45-67.

Городская администрация сообщила, что ремонт моста через реку начнётся в апреле и продлится около трёх месяцев. На работы выделено почти сорок миллионов рублей. Во время ремонта автобусы будут ходить по объездной дороге.

Жители давно просили отремонтировать мост, потому что по нему каждый день проезжают тысячи машин. По словам главы района, после ремонта на мосту появятся широкие тротуары и новое освещение.""",
        "spam": """купить дешёвые окна купить дешёвые окна недорого купить дешёвые окна москва купить дешёвые окна купить дешёвые окна недорого купить дешёвые окна москва купить дешёвые окна

купить дешёвые окна недорого купить дешёвые окна москва купить дешёвые окна купить дешёвые окна недорого купить дешёвые окна москва купить дешёвые окна купить дешёвые окна недорого

купить дешёвые окна москва купить дешёвые окна купить дешёвые окна недорого купить дешёвые окна москва купить дешёвые окна купить дешёвые окна недорого купить дешёвые окна москва""",
        "adult": """Лучшее порно видео бесплатно, горячий секс с девушками, которые хотят ебать тебя прямо сейчас.

Заходи на наш сайт и смотри секс в прямом эфире каждый день, без регистрации и без карты.

Каждый день новое порно и секс видео в хорошем качестве, бесплатно для всех наших гостей.""",
    },
    "zh": {
        "good": """我们的茶叶店成立于二零零八年，位于杭州西湖附近。我们主要销售龙井茶，也有来自云南和福建的红茶、白茶和普洱茶。

所有的茶叶都是我们自己去茶园挑选的。每年春天，我们会和茶农一起采茶、炒茶，保证每一批茶叶的品质和新鲜。

欢迎您来店里品尝。我们每天上午九点到晚上八点营业，周末也不休息。如果您想在网上购买，我们可以把茶叶寄到全国各地，一般三天之内就能收到。""",
        "good_news": """营业时间：周一至周五上午九点到下午六点。电话：010-12345678。

市政府昨天宣布，明年春天将在老城区新建一座图书馆。这座图书馆的面积约为三千平方米，预计投资两千万元，将在二零二六年底对外开放。

很多市民对这个消息表示欢迎。一位住在附近的老师说，现在孩子们放学以后没有安静的地方看书，新的图书馆建好以后，他们就可以在那里学习和阅读了。""",
        "spam": """便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格

便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机

便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发便宜手机价格便宜手机便宜手机批发""",
        "adult": """免费观看最新的色情视频，成千上万的美女在线做爱，还有口交和乳交的高清影片。

现在就加入我们，每天晚上都有新的三级片和色情直播，不需要信用卡。

每天更新做爱视频和大鸡巴影片，高清画质，所有会员都可以免费观看。""",
    },
    "ja": {
        "good": """私たちのパン屋は、駅から歩いて五分ほどの静かな住宅街にあります。毎朝四時から、国産の小麦粉と天然酵母を使って、一つ一つ手作りでパンを焼いています。

一番人気は、外はかりっと、中はもちもちの食パンです。季節の果物を使ったデニッシュや、地元の野菜をたっぷり入れたサンドイッチもおすすめです。

営業時間は朝七時から夕方六時までで、月曜日と火曜日はお休みです。予約も受け付けていますので、お気軽にお電話ください。""",
        "good_news": """営業時間：月曜日から金曜日の午前九時から午後六時まで。電話：03-1234-5678。

市役所は昨日、駅前の古い公園を来年の春までに新しくすると発表しました。工事の費用は約五千万円で、子どもが遊べる広場や、お年寄りが休めるベンチが作られる予定です。

近くに住む人たちからは、喜びの声が聞かれました。毎朝この公園を散歩している男性は「きれいになったら、孫と一緒に来たいです」と話していました。""",
        "spam": """激安バッグ通販激安バッグセール激安バッグ人気激安バッグ通販激安バッグセール激安バッグ人気激安バッグ通販激安バッグセール激安バッグ人気激安バッグ通販激安バッグセール

激安バッグセール激安バッグ人気激安バッグ通販激安バッグセール激安バッグ人気激安バッグ通販激安バッグセール激安バッグ人気激安バッグ通販激安バッグセール激安バッグ人気

激安バッグ人気激安バッグ通販激安バッグセール激安バッグ人気激安バッグ通販激安バッグセール激安バッグ人気激安バッグ通販激安バッグセール激安バッグ人気激安バッグ通販""",
        "adult": """無料で見られる最新のポルノ動画、かわいい女の子のセックスやオナニーの動画が毎日たくさん届きます。

今すぐ登録して、巨乳の女の子のエッチなライブを楽しもう。クレジットカードは必要ありません。

毎日新しいセックス動画とアナルの動画を高画質で配信中、すべての会員が無料で見られます。""",
    },
    "ar": {
        "good": """تأسست مدرستنا لتعليم اللغات في عام ألفين وعشرة، ونقدم دروسا في اللغة الإنجليزية والفرنسية والألمانية للكبار والصغار. يعمل معنا معلمون ذوو خبرة طويلة في التعليم.

تبدأ الدورات الجديدة في بداية كل شهر، وتستمر كل دورة ثمانية أسابيع. يمكنك أن تختار بين الدروس الصباحية والدروس المسائية، كما نقدم دروسا خاصة حسب طلبك.

إذا كنت لا تعرف مستواك في اللغة، يمكنك أن تأتي إلى المدرسة لإجراء اختبار قصير ومجاني. نحن في انتظارك من الأحد إلى الخميس، من الساعة التاسعة صباحا حتى الثامنة مساء.""",
        "good_news": """ساعات العمل: من الأحد إلى الخميس، من الساعة الثامنة صباحا حتى الرابعة مساء. الهاتف: 0123456789.

أعلنت البلدية أمس أنها ستبدأ في الشهر القادم أعمال إصلاح الطريق الرئيسي الذي يربط المدينة بالقرى القريبة. وتبلغ تكلفة المشروع حوالي مليوني دينار، ومن المتوقع أن تستمر الأعمال أربعة أشهر.

وقال رئيس البلدية إن الطريق الجديد سيكون أوسع وأكثر أمانا، وإن السكان لن يضطروا بعد الآن إلى الانتظار طويلا في الصباح للوصول إلى أعمالهم ومدارسهم.""",
        "spam": """شقق للبيع رخيصة شقق للبيع في دبي شقق للبيع بالتقسيط شقق للبيع رخيصة شقق للبيع في دبي شقق للبيع بالتقسيط شقق للبيع رخيصة شقق للبيع في دبي شقق للبيع بالتقسيط شقق للبيع

شقق للبيع في دبي شقق للبيع بالتقسيط شقق للبيع رخيصة شقق للبيع في دبي شقق للبيع بالتقسيط شقق للبيع رخيصة شقق للبيع في دبي شقق للبيع بالتقسيط شقق للبيع رخيصة شقق للبيع

شقق للبيع بالتقسيط شقق للبيع رخيصة شقق للبيع في دبي شقق للبيع بالتقسيط شقق للبيع رخيصة شقق للبيع في دبي شقق للبيع بالتقسيط شقق للبيع رخيصة شقق للبيع في دبي شقق للبيع""",
        "adult": """أفضل أفلام سكس مجانية، مع بنات يردن الجنس معك الليلة وآلاف المقاطع الساخنة على موقعنا.

ادخل الآن وشاهد سكس مباشر كل يوم، بدون بطاقة ائتمان، مع أجمل البنات في العالم.

كل يوم أفلام سكس جديدة بجودة عالية، مجانا لجميع الأعضاء في الموقع.""",
    },
    "pl": {
        "good": """Nasz gabinet stomatologiczny działa od ponad piętnastu lat w centrum miasta. Zajmujemy się leczeniem zębów, higieną jamy ustnej oraz protetyką, a także opieką nad najmłodszymi pacjentami.

Wizytę można umówić telefonicznie lub przez formularz na naszej stronie. Przed pierwszym leczeniem lekarz zawsze omawia z pacjentem plan i koszty, tak aby wszystko było jasne od samego początku.

Gabinet jest czynny od poniedziałku do piątku w godzinach od ósmej do dwudziestej, a w soboty do czternastej. Zapraszamy również osoby, które boją się dentysty, bo staramy się, żeby każda wizyta była spokojna.""",
        "good_news": """Godziny otwarcia: od poniedziałku do piątku od 8:00 do 18:00. Telefon: 22 123 45 67.

Urząd miasta poinformował, że w przyszłym roku zostanie wyremontowany stary dworzec autobusowy. Prace mają kosztować około dwóch milionów złotych i potrwają mniej więcej pół roku. W budynku powstanie nowa poczekalnia i kawiarnia.

Mieszkańcy od dawna skarżyli się na zły stan dworca, zwłaszcza zimą, gdy w środku było bardzo zimno. Według burmistrza po remoncie dworzec będzie wygodniejszy również dla osób starszych i rodziców z małymi dziećmi.""",
        "spam": """Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut.

Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut.

Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut. Tutaj znajdziesz tanie kredyty bez BIK, które możesz szybko i łatwo załatwić przez internet w kilka minut.""",
        "adult": """Najlepsze darmowe filmy z dziwkami, które chcą się pieprzyć z tobą dzisiaj, i tysiące gorących nagrań z kurwami.

Wejdź teraz i zobacz, jak dziwka ruchać się lubi na żywo, bez karty kredytowej, każdego dnia.

Codziennie nowe filmy, gdzie każda dziwka i kurwa chce się pieprzyć, w wysokiej jakości, za darmo dla wszystkich naszych członków.""",
    },
}

SCRIPTS = {"en": "Latin", "fr": "Latin", "de": "Latin", "es": "Latin", "it": "Latin", "pl": "Latin"}
SCRIPTS.update({"ru": "Cyrillic", "zh": "Han", "ja": "Japanese", "ar": "Arabic"})
