"""Function words left out of «repeated and reinforced statements» word counts (Bokmål, Nynorsk, English)."""

NB = set(
    """
alle allerede altså andre annen annet at av bare begge ble bli blir blitt bort bra både da dag de dei
deg dem den denne dens der deres det dette di din disse ditt du då eg eit ein eller en enda ene enn
er et ett etter faktisk fem fikk fire fra før først få gang gjennom gjorde gjør gjøre god godt går
ha hadde han hans har hele heller helt her hit hjå ho hoss hun hva hvem hver hvilke hvilken hvis
hvor hvordan hvorfor i ikke ikkje ingen inn inni ja jeg kan kanskje kom kommer kunne kva kvar
kvifor litt man mange med meg men mer mest mellom meget mens mer mi min mine mitt mot mye må måte
ned nei noe noen nok nokon noko nå når og også om opp oss over på rett riktig samme sammen seg selv
si sia sidan siden sin sine sitt sjøl skal skulle slik slike slikt som så sånn tatt til tilbake
tre tror uten var vart ved veldig vere vi vil ville vite vore vort vår våre vårt være vært åtte
egentlig liksom tenker tenke synes sier sagt gjerne ganske akkurat eksempel fordi både holde
ting tingene igjen trenger liten lite stor store bruker brukt holder står betyr prøver prøve
gjort tenkt kommet skulle måtte kanskje sikkert mener syns blitt finne fått får
mm nettopp ok okei javel hm eh øh ehm jo der dere deres hos mot innenfor blant ut over under etter
""".split()
)

EN = set(
    """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
know like me more most my myself no nor not now of off on once only or other our ours ourselves
out over own really right same she should so some such than that the their theirs them themselves
then there these they think this those through to too under until up very was we well were what
when where which while who whom why will with would yeah yes you your yours yourself mm okay ok
""".split()
)

STOPWORDS = NB | EN
