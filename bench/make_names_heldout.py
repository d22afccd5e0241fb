"""Write the hard held-out name set for payload detection (`bench/data/detection_names_heldout.jsonl`).

Every name, template and PII-free sentence below was written by hand for this file, from general
knowledge of naming customs, without opening the name lexicon's sources (Faker's person lists,
`auditor/data/names_extra.txt`) or the detection corpus' name list, so that the set measures
names the lexicon was not built around. Names are ordinary given name + surname pairs (in the
order they are usually written in English text, family name first where that is the custom
abroad, e.g. "Zhang Wei", "Park Ji-hoon"), grouped by where they are common; a group of names
whose words are also places, companies, brands or English words ("Jordan Paris", "Florence
Adeyemi", "Blessing Okonkwo"); hyphenated names and names with particles. Any likeness to a
real person is chance.

The names are split into `dev` and `test` halves (seeded shuffle, within each group) before
anything is measured; each name is placed in two different plain sentence templates of 18
(invoices, HR notes, tickets, chat, medical, shipping). The PII-free sentences (brands, places
and products named after people, capitalized words that are no names) are split the same way.

Output: a header record {"note": ...}, then one record per sentence:
{"split": "dev"|"test", "text": ..., "names": [name, ...] (empty for PII-free), "group": ...}.
The file is committed; rerunning the script writes the same file.

    .venv/bin/python bench/make_names_heldout.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).parent / "data" / "detection_names_heldout.jsonl"
SEED = 1414

NAMES = """
## west africa
Adewale Ogunbiyi; Chiamaka Nwachukwu; Ifeoma Eze; Emeka Obiora; Yetunde Bakare; Olumide Adeleke;
Ngozi Okafor; Abubakar Danjuma; Hauwa Bello; Aminu Garba; Nkechi Umeh; Tolulope Ajayi;
Kofi Boateng; Akosua Agyeman; Yaw Darko; Efua Owusu; Kwabena Ofori; Esi Amponsah; Selorm Agbeko;
Delali Kpodo; Mamadou Diallo; Awa Ndiaye; Ousmane Sow; Fatoumata Traoré; Moussa Keita;
Aissatou Ba; Cheikh Faye; Ibrahima Cissé; Mariama Jalloh; Foday Kamara; Musu Kollie;
Yao Kouassi; Adjoa Kouamé; Seydou Ouédraogo; Salimata Sawadogo
## east africa
Wanjiru Kamau; Otieno Ochieng; Akinyi Odhiambo; Kiprono Rotich; Chebet Kiptoo; Njeri Mwangi;
Baraka Mushi; Neema Massawe; Juma Mwinyi; Zawadi Kimaro; Nakato Ssempala; Mukasa Byaruhanga;
Tigist Haile; Abebe Girma; Selamawit Tadesse; Yonas Bekele; Hodan Warsame; Abdirahman Farah;
Faduma Jama; Aline Uwimana; Eric Niyonzima
## southern africa
Thabo Nkosi; Lerato Mokoena; Sipho Ndlovu; Nomvula Khumalo; Lindiwe Zulu; Bongani Mthembu;
Palesa Molefe; Tshepo Mahlangu; Ayanda Mkhize; Refilwe Sithole; Tendai Moyo; Rutendo Chikwanha;
Tatenda Marufu; Chipo Banda; Mwila Mulenga; Kagiso Modise; Naledi Pule; Annelie Swanepoel;
Riaan Kruger
## north africa and middle east
Youssef Benali; Khadija Bennani; Amine Belkacem; Nadia Bouazizi; Karim Haddad; Rania Khoury;
Layla Mansour; Omar Nasser; Hiba Saleh; Samir Hamdan; Dalia Farouk; Ahmed Shawky;
Mona Abdelrahman; Noura Qahtani; Faisal Otaibi; Yara Sabbagh; Ziad Nassar; Rima Awad;
Bilal Hamdi; Hussein Jaber; Zainab Kareem
## turkey, iran, israel
Mustafa Çelik; Elif Demir; Burak Aydın; Zeynep Şahin; Emine Öztürk; Can Erdem; Selin Arslan;
Hakan Koç; Ozan Kurt; Darius Rahimi; Parisa Moradi; Reza Jafari; Nasrin Ahmadi; Arash Tehrani;
Golnaz Sadeghi; Dov Friedman; Noa Levi; Avi Mizrahi; Shira Katz; Eitan Peretz
## south asia
Ananya Iyer; Arjun Reddy; Deepika Nair; Rohan Kulkarni; Sneha Deshpande; Vikram Chauhan;
Harpreet Sandhu; Gurpreet Dhillon; Manpreet Grewal; Lakshmi Venkatesan; Karthik Subramanian;
Meenakshi Pillai; Aditya Bhattacharya; Sourav Mukherjee; Anjali Mehta; Nikhil Joshi;
Pooja Agarwal; Rahul Saxena; Tanvi Kapoor; Imran Qureshi; Ayesha Siddiqui; Bilal Chaudhry;
Hina Baig; Usman Butt; Farhan Malik; Nusrat Chowdhury; Tanvir Hossain; Sharmin Akter;
Rafiqul Islam; Dilani Perera; Chaminda Fernando; Tharindu Jayasuriya; Nirmala Wickramasinghe;
Sunil Gurung; Pemba Sherpa; Anish Shrestha; Sabina Thapa; Zarmina Ahmadzai; Wahid Noorzai
## central asia and mongolia
Aizhan Seitkali; Yerlan Abenov; Dilnoza Karimova; Rustam Yusupov; Gulnara Ismailova;
Bakyt Asanov; Aigerim Zhakupova; Timur Rakhimov; Farrukh Tursunov; Malika Abdullaeva;
Sardor Nematov; Jamshid Rakhmonov; Saltanat Beisenova; Altynai Mamytova; Batbayar Ganbold
## chinese
Zhang Wei; Liu Yang; Chen Jing; Xu Mingyu; Zhao Lei; Zhou Xin; Wu Haoran; Lin Meiling;
Guo Jiahui; He Yuting; Feng Tianyu; Xiaoling Cao; Jianhua Tang; Yuxuan Song; Zihan Ma;
Haoyu Qian; Ruoxi Shen; Ka-wai Leung; Siu-ming Wong; Mei-ling Tsai; Chia-hao Lin; Kuan-yu Hsu
## korean
Park Ji-hoon; Kim Min-jung; Lee Seo-yeon; Choi Woo-jin; Ji-woo Han; Soo-ah Yoon;
Dong-hyun Kang; Yuna Shin; Hyun-woo Oh; Eun-ji Seo; Minho Jang; Sora Lim; Jae-won Hwang
## japanese
Haruka Nakamura; Ren Takahashi; Yui Yamamoto; Sota Kobayashi; Aoi Matsumoto; Daiki Inoue;
Misaki Kimura; Takumi Hayashi; Nanami Shimizu; Kaito Yamaguchi; Riko Fujiwara; Shota Ikeda;
Emi Ishikawa; Kenta Ogawa; Sakura Morita
## vietnamese
Linh Nguyen; Minh Tran; Thao Pham; Quang Le; Huong Vu; Duc Hoang; Trang Do; Bao Dang;
Khanh Bui; Phuong Ngo; Tuan Duong; Hanh Ly
## southeast asia
Siriporn Wongsa; Kittisak Chaiyaporn; Pimchanok Suksawat; Nattapong Rattanakorn; Arunee Boonmee;
Somchai Jaidee; Budi Santoso; Siti Rahayu; Agus Setiawan; Dewi Lestari; Rizky Pratama;
Putri Wulandari; Eko Prasetyo; Ayu Kusuma; Hendra Gunawan; Aisyah Rahman; Faizal Ismail;
Hafiz Abdullah; Jericho Santos; Rowena Bautista; Jomar Villanueva; Kristine Mendoza;
Rodel Magbanua; Aung Kyaw; Hnin Wai; Sokha Chea; Sopheap Keo; Khamla Phommachanh
## pacific
Sione Taufa; Mele Fifita; Tavita Faleolo; Malia Fonoti; Iosefa Leota; Aroha Ngata;
Wiremu Parata; Mereana Tipene; Ngaio Herewini; Litia Naivalu; Jone Ravuvu; Kealoha Kahananui;
Leilani Akana; Makoa Kamakau
## indigenous americas
Shaun Begay; Kayla Yazzie; Darrell Tsosie; Marlene Benally; Ahyoka Sixkiller; Tenille Cardinal;
Wapun Bighetty; Shania Keeshig; Nokomis Pelletier; Sumaq Quispe; Wilmer Condori; Nayra Choque;
Inti Huaman; Ayelen Huenchual; Lautaro Painemal; Millaray Catrileo; Xochitl Canul; Itzel Chan;
Yaretzi Pech; Siila Kusugak; Nuka Kleist; Aviaja Lynge
## eastern europe
Anastasia Volkova; Dmitry Orlov; Yekaterina Smirnova; Alexei Belov; Igor Lebedev;
Polina Zaitseva; Oksana Hrytsenko; Taras Bondarenko; Yulia Tkachenko; Bohdan Shevchuk;
Iryna Melnyk; Mykola Kravets; Katarzyna Wójcik; Marek Kamiński; Bartosz Mazur;
Magdalena Krawczyk; Tereza Procházková; Ondřej Kučera; Zuzana Bartošová; Matej Hudák;
Zsófia Varga; Bence Tóth; Réka Farkas; Gergely Balogh; Ioana Popescu; Andrei Ionescu;
Mihaela Dumitrescu; Desislava Petrova; Georgi Dimitrov; Tsvetelina Koleva; Milica Jovanović;
Nikola Petrović; Ivana Babić; Emir Hodžić; Amra Begić; Rūta Kazlauskienė;
Mindaugas Petrauskas; Ilze Bērziņa; Jānis Kalniņš; Kadri Tamm; Mart Saar; Tamar Kapanadze;
Giorgi Lomidze; Anahit Grigoryan; Aram Petrosyan; Alesia Kavaliova; Arben Krasniqi;
Dritan Berisha; Eleni Papadaki; Stavros Antoniou
## latin america
Valentina Restrepo; Santiago Gaviria; Camila Echeverri; Mateo Arango; Ximena Zúñiga;
Alejandro Villalobos; Guadalupe Ochoa; Jesús Carrillo; Fernanda Robles; Thiago Nascimento;
Larissa Carvalho; Gabriel Albuquerque; Bruna Rocha; Lucía Pereyra; Martín Acosta;
Agustina Sosa; Facundo Benítez; Renata Valdivia; Joaquín Sepúlveda; Catalina Fuentes;
Ignacio Bustos; Andrea Cárdenas; Yessenia Alvarado; Wilfredo Portillo; Marisol Escobar;
Oriana Briceño; Yulimar Pacheco
## nordic
Sigrid Haugen; Eirik Solberg; Ingeborg Lie; Torbjørn Nygaard; Linnea Bergström; Oskar Nyström;
Freja Mikkelsen; Mads Kjær; Ida Lund; Aku Heikkinen; Aino Virtanen; Ville Koskinen;
Guðrún Jónsdóttir; Sigurður Einarsson; Máret Sara; Ánte Gaup
## celtic
Oisín Gallagher; Aoife Brennan; Caoimhe Doherty; Niamh Fitzgerald; Eilidh MacLeod;
Ruaridh Fraser; Catriona MacDonald; Gwenllian Pritchard; Rhys Llewellyn; Bethan Morgan;
Tadhg Kearney; Maëlle Le Goff; Yann Kerjean; Jago Penrose
## caribbean
Shanice Campbell; Kemar Bailey; Latoya Henry; Jermaine Francis; Keisha Alleyne;
Ricardo Gooding; Ayesha Ramoutar; Vishal Rampersad; Marlon Joseph; Natalie Baptiste;
Fabiola Désir; Yanique Brown; Kimani Ferguson; Yesenia Peralta
## words, places and brands
Jordan Paris; Florence Adeyemi; Chelsea Morgan; Georgia Whitfield; Dallas Okafor;
Victoria Mensah; Adelaide Quaye; Savannah Brooks; Phoenix Tran; Madison Kowalczyk;
Brooklyn Reyes; Sydney Oyelaran; India Fairweather; Kenya Holloway; Israel Okonjo;
Lincoln Mbatha; Austin Mahlaba; Sahara Nwosu; Mercedes Ortiz; Marco Ferrari; Kenji Honda;
Yuki Suzuki; Karen Ford; Lisa Marriott; Anna Bosch; Martina Armani; Maria Lisboa;
Rafael Toledo; Jorge Valencia; Kevin London; Grace Washington; Alan Houston;
Ricardo Santiago; Camila Córdoba; Cairo Mensah; Destiny Okoye; Faith Mwangi; Precious Dube;
Blessing Okonkwo; Goodluck Mushi; Hope Addo; Patience Boateng; Memory Chirwa; Gift Phiri;
Innocent Banda; Lucky Moyo; Summer Nakamura; Crystal Mbeki; Sunny Patel; Rocky Chowdhury;
Lovely Pascual; Princess Manalo; Rose Wanjiku; Hunter Brooks; Amber Hollis
## hyphens and particles
Anna-Lena Schmitz; Jean-Baptiste Pierre; Marie-Ève Tremblay; Abdul-Rahman Haddad;
Yael Ben-David; Sarangerel Bat-Erdene; Rashid Al-Mansoori; Omar El-Masri; Sofia D'Angelo;
Liam O'Sullivan; Fiona MacKinnon; Connor McGillicuddy; Ravi D'Souza; Wideline Jean-Louis;
Maricel Dela Cruz; Marike van Wyk; Siobhán Ní Bhriain; Cathal Ó Súilleabháin;
Pedro dos Santos; Karim ben Youssef; Hemi Te Rangi; Lars van der Meer; Giulia De Luca
"""

TEMPLATES = [
    "Invoice 2291 for {name} is due in 30 days.",
    "HR note: {name} moves to the Leeds office in March.",
    "Ticket reassigned to {name} after the first responder went on leave.",
    "hi all, {name} will cover the front desk tomorrow",
    "Follow-up appointment for {name} booked with cardiology next Tuesday.",
    "Parcel for {name} was left with the neighbour at number 12.",
    "Please add {name} to the onboarding call on Thursday.",
    "{name} approved the expense report for the Lisbon trip.",
    "The prescription was collected by {name} at 4pm.",
    "Interview with {name} moved to 3pm, room B.",
    "According to {name}, the invoice was already paid.",
    "Emergency contact: {name} (sister), same address.",
    "Return label printed for {name}; the courier collects tomorrow.",
    "Chat transcript: {name} asked whether the refund had gone through.",
    "Shift swap agreed between the night nurse and {name}.",
    "Quote sent to {name} last week, still no reply.",
    "{name}: can someone reset my VPN token?",
    "Sick leave for {name} extended until the end of the month.",
]

# Sentences without personal data: brands, places, dishes and events named after people, titles
# in capitals, capitalized words that are no names.
PII_FREE = """
The Ford Mustang recall covers models built between 2019 and 2021.
We flew into Charles de Gaulle and took the train to Lyon.
Order the Margherita and a Caesar salad for the table.
Shares of Johnson & Johnson fell 2% after the earnings call.
The Jackson Heights branch closes early on public holidays.
Lincoln Center announced its winter season on Monday.
The Tesla Model Y now ships with a heat pump as standard.
Our team moved issue tracking from Jira to Linear last quarter.
Dr. Martens boots are 30% off until Sunday.
Ben & Jerry's launched three new flavours this summer.
Earl Grey tea and Eggs Benedict are served until noon.
Beef Wellington is the special on Fridays.
The Golden Gate Bridge was closed for the marathon.
Victoria Falls is busiest between February and May.
The Jordan River flows into the Dead Sea.
We hiked up Mount Kenya over five days.
Florence Cathedral reopens its dome to visitors next week.
The Chelsea Flower Show sold out in record time.
Austin City Limits moves to two weekends this year.
Georgia peaches are in season from May to August.
The Sahara Desert covers most of North Africa.
The Phoenix Suns won again at home.
Goldman Sachs and Morgan Stanley led the bond sale.
Charles Schwab cut trading fees for all account holders.
The Walt Disney Company opened a new park in Shanghai.
Tommy Hilfiger and Calvin Klein jackets are back in stock.
Ralph Lauren shirts are restocked in every size.
Johnnie Walker Black Label is on the bar menu.
Jack Daniel's sponsors the racing team this season.
Mercedes Benz dealerships extended their opening hours.
Marriott Bonvoy members get late checkout at every hotel.
Hilton Garden Inn has free parking for guests.
The Hershey bar now comes in a dark chocolate version.
Heinz ketchup is out of stock at the downtown store.
Boeing delivered fewer jets this quarter than last.
Siemens Energy won the contract for the offshore wind farm.
The Bosch dishwasher needs a new filter every year.
Ferrari unveiled its first electric car in Maranello.
Honda Civic sales rose 12% in Europe.
Our Suzuki outboard motor needs a service before summer.
Porsche Taycan owners can charge for free this month.
Quarterly Review Summary: Revenue Up, Costs Flat.
Release Notes For Version Four: Faster Sync And Dark Mode.
Agenda: Budget Planning, Hiring Freeze, Office Move.
Please Read Before Installing The Update.
Welcome Pack For New Starters In The Finance Team.
Terms And Conditions Apply To All Orders.
Grand Canyon tours depart from the visitor centre every hour.
The Rose Bowl parade starts at eight in the morning.
Big Ben's clock faces were cleaned last spring.
The Statue of Liberty ferry runs every 25 minutes.
Lake Victoria supports the largest inland fishery in Africa.
Cape Town and Port Elizabeth share one regional sales team.
Our Adelaide and Brisbane warehouses ship within two days.
Santiago and Valencia stores open at ten on Sundays.
Shipping to Kenya, Jordan and Georgia now takes five days.
The Madison Square Garden concert was postponed.
Brooklyn Bridge Park hosts a food market on Saturdays.
The Savannah River site is closed to visitors.
Sydney Opera House tickets went on sale this morning.
Summer Collection: Linen Shirts, Straw Hats, Canvas Shoes.
Crystal Palace drew with Everton at home.
Princess Cruises added a new route to Alaska.
Hope Street Market is open every Saturday.
Patience is required while the database rebuilds its indexes.
Grace period for late payments is ten days.
Faith Lutheran Church hosts the blood drive this year.
Victoria Station is closed for engineering works this weekend.
Hunter Valley wines are on the tasting menu.
Amber Alerts are sent to every phone in the region.
The Marco Polo lounge is on the second floor.
The Stanley Cup final starts on Thursday.
The Nobel Prize ceremony is held in Stockholm every December.
Mount Everest base camp tours start in Kathmandu.
The Kruger National Park gates open at half past five.
Table Mountain cable car is closed because of wind.
Kilimanjaro Premium Lager is brewed in Tanzania.
The Nelson Mandela Bay stadium hosts the final.
The Louvre Abu Dhabi extends its opening hours in winter.
Art Deco posters are on display in the lobby.
Amazon Prime members get free two-day shipping.
Apple Watch bands come in twelve colours.
Visa and Mastercard fees rise in April.
The Dyson vacuum comes with two extra heads.
Philips Hue bulbs dim from the app.
Lego Technik sets are on sale this week.
Nando's opened a branch next to the station.
McDonald's breakfast menu ends at 10:30.
Wendy's and Arby's both raised prices this year.
Domino's Pizza delivers until midnight on weekends.
Macy's Thanksgiving Day Parade starts at nine.
Carnegie Hall hosts the youth orchestra in June.
Harvard and Stanford lead the rankings again.
The Rockefeller Center tree will be lit on Wednesday.
The Guggenheim Museum extends its opening hours on Fridays.
Kellogg's cereal boxes switched to paper liners.
Levi's jeans shrink a little after the first wash.
Dollywood opens for the season in March.
The Paris Agreement targets were discussed at the summit.
Chelsea Football Club signed two new defenders.
"""


def _names() -> list[tuple[str, str]]:
    """(group, name) for every name above, in order."""
    out: list[tuple[str, str]] = []
    group = ""
    for line in NAMES.strip().splitlines():
        if line.startswith("## "):
            group = line[3:].strip()
            continue
        out.extend((group, n.strip()) for n in line.split(";") if n.strip())
    return out


def _split(items: list[tuple[str, str]], rng: random.Random) -> dict[str, str]:
    """Half of each group to dev, half to test (odd groups give test the extra one)."""
    by_group: dict[str, list[str]] = {}
    for group, item in items:
        by_group.setdefault(group, []).append(item)
    split: dict[str, str] = {}
    for members in by_group.values():
        shuffled = list(members)
        rng.shuffle(shuffled)
        for i, item in enumerate(shuffled):
            split[item] = "dev" if i < len(shuffled) // 2 else "test"
    return split


def main() -> None:
    rng = random.Random(SEED)
    names = _names()
    if len({n for _, n in names}) != len(names):
        raise SystemExit("a name is listed twice")
    split = _split(names, rng)
    free = [s.strip() for s in PII_FREE.strip().splitlines() if s.strip()]
    free_split = _split([("free", s) for s in free], rng)
    note = " ".join(__doc__.split("\n\n")[1:3]).replace("\n", " ")
    records: list[dict[str, object]] = [{"note": note}]
    for group, name in names:
        for template in rng.sample(TEMPLATES, 2):
            text = template.replace("{name}", name)
            records.append({"split": split[name], "text": text, "names": [name], "group": group})
    for sentence in free:
        records.append({"split": free_split[sentence], "text": sentence, "names": [], "group": "pii-free"})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    n_dev = sum(1 for v in split.values() if v == "dev")
    print(f"{len(names)} names ({n_dev} dev, {len(names) - n_dev} test), {len(free)} PII-free -> {OUT}")


if __name__ == "__main__":
    main()
