"""Hand-written seed lists (kvali authors, MIT like the rest of kvali): common Norwegian given
names and surnames, municipalities and well-known places. Facts, written from general knowledge."""

GIVEN = """
Anne Inger Kari Marit Ingrid Liv Eva Berit Astrid Bjørg Hilde Anna Solveig Marianne Randi Ida
Nina Maria Elisabeth Kristin Bente Heidi Silje Hanne Gerd Linda Tone Ellen Wenche Camilla Ragnhild
Grete Mona Sigrid Marte Kirsten Turid Hege Trine Gunn Ingeborg Monica Lene Elin Karin Laila Unni
Torill Else Janne Cecilie Tove Åse Synnøve Guro Siri Tuva Nora Emma Sara Sofie Thea Ingvild
Maja Frida Emilie Julie Vilde Hedda Mari Malin Marthe Kine Stine Tonje Eli Aud Reidun Oddny
Jan Per Bjørn Ole Lars Kjell Knut Arne Svein Hans Geir Tor Morten Terje Odd Erik Rune Martin
Trond Jon Anders Tore Rolf Harald Thomas Nils Espen Jørgen Gunnar Leif Stian Helge Einar Øyvind
Kristian Magnus Fredrik Andreas Sindre Eirik Håkon Sigurd Even Jonas Mathias Henrik Emil Sander
Johannes Tobias Elias Aksel Olav Audun Asbjørn Dag Egil Finn Frode Gaute Halvor Ivar Jostein
Kåre Lasse Mads Ove Petter Roar Sverre Steinar Torbjørn Vegard Vidar Yngve Åsmund Øystein Bård
""".split()

SURNAMES = """
Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen
Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen Halvorsen
Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand Solberg Svendsen Eide Knutsen
Martinsen Paulsen Bakken Kristoffersen Mathisen Lie Amundsen Nguyen Rasmussen Ali Lunde Solheim
Berge Moe Nygård Bakke Kristensen Fredriksen Holm Lien Hauge Christensen Andresen Nielsen Knudsen
Evensen Sæther Aas Myhre Hanssen Ahmed Haugland Thomassen Sivertsen Simonsen Danielsen Berntsen
Sandvik Rønning Arnesen Antonsen Næss Vik Dal Haug Ødegård Rød Nordbø Øye Aasen Brekke Foss
Hovland Tveit Lien Stene Sunde Vold Rustad Ruud Sandberg Fosse Nordli Wold Hauglund Bakkevik
""".split()

# Surnames that are also common words: masked only in a name context (after a given name or
# title), never on their own (berg=mountain, lie=hillside, strand=beach, dal=valley, vik=bay).
AMBIGUOUS_SURNAMES = """
Berg Lie Strand Dal Vik Moen Haug Lund Foss Bakke Holm Hagen Lien Vold Dahl Brekke Aas Moe Sunde
Rød Stene Tveit
""".split()

PLACES = """
Oslo Bergen Trondheim Stavanger Drammen Fredrikstad Kristiansand Sandnes Tromsø Sarpsborg Skien
Ålesund Sandefjord Haugesund Tønsberg Moss Porsgrunn Bodø Arendal Hamar Larvik Halden Lillehammer
Molde Harstad Gjøvik Kongsberg Kristiansund Horten Jessheim Ski Elverum Steinkjer Narvik Levanger
Grimstad Volda Ørsta Førde Florø Stord Voss Sogndal Lillestrøm Asker Bærum Sunndalsøra Sunndal
Aukra Averøy Fræna Hustadvika Rauma Vestnes Surnadal Rindal Tingvoll Gjemnes Smøla Aure Sykkylven
Stranda Fjord Vanylven Sande Herøy Hareid Ulstein Giske Sula Vestnes Åndalsnes Romsdal Nordmøre
Sunnmøre Trøndelag Nordland Troms Finnmark Vestland Rogaland Agder Viken Innlandet Telemark
Vestfold Østfold Akershus Buskerud Hedmark Oppland Hordaland Sogn Fjordane Hallingdal Valdres
Gudbrandsdalen Østerdalen Lofoten Vesterålen Senja Hammerfest Alta Kirkenes Vadsø Mo Mosjøen
Namsos Orkanger Oppdal Røros Stjørdal Verdal Kongsvinger Hønefoss Notodden Bø Mandal Flekkefjord
Egersund Bryne Sauda Odda Norheimsund Os Askøy Sotra Fitjar Bømlo Etne Nesodden Frogn Ås Vestby
""".split()
