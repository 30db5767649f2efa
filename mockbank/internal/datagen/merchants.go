package datagen

// merchant is a card-accepting business with its ISO 18245 merchant
// category code (MCC) and the category mockbank reports for it.
type merchant struct {
	name     string
	desc     string // statement descriptor, as banks print it
	mcc      int32
	category string
	min, max int64 // typical ticket in cents
	tips     bool  // the posted amount may differ (tip added)
	weight   int
}

// merchants is ordered and indexed by position only (never by map
// iteration), so generation is reproducible.
var merchants = []merchant{
	{"Whole Foods Market", "WHOLEFDS MKT #10234", 5411, "Groceries", 1800, 16500, false, 8},
	{"Trader Joe's", "TRADER JOE S #552", 5411, "Groceries", 1500, 11000, false, 8},
	{"Safeway", "SAFEWAY #1789", 5411, "Groceries", 900, 9500, false, 6},
	{"Shell", "SHELL OIL 57442", 5541, "Gas", 2500, 7500, false, 6},
	{"Chevron", "CHEVRON 0093824", 5541, "Gas", 2200, 7000, false, 5},
	{"Starbucks", "STARBUCKS STORE 05521", 5814, "Restaurants", 450, 1400, true, 9},
	{"Blue Bottle Coffee", "BLUE BOTTLE COFFEE SF", 5814, "Restaurants", 500, 1600, true, 4},
	{"Chipotle", "CHIPOTLE 1842", 5814, "Restaurants", 1100, 2600, false, 6},
	{"The Cheesecake Factory", "CHEESECAKE FACTORY 0112", 5812, "Restaurants", 4500, 14000, true, 3},
	{"Olive Garden", "OLIVE GARDEN 0143", 5812, "Restaurants", 3500, 9500, true, 3},
	{"Amazon", "AMAZON MKTPL*2K4RT8", 5942, "Shopping", 900, 18000, false, 9},
	{"Target", "TARGET 00027581", 5310, "Shopping", 1200, 15000, false, 6},
	{"Walmart", "WALMART SUPERCENTER 2231", 5311, "Shopping", 800, 12000, false, 5},
	{"The Home Depot", "THE HOME DEPOT #0622", 5200, "Home Improvement", 1500, 35000, false, 3},
	{"CVS Pharmacy", "CVS/PHARMACY #08812", 5912, "Health", 500, 6500, false, 4},
	{"Uber", "UBER *TRIP HELP.UBER.COM", 4121, "Transportation", 900, 4800, true, 5},
	{"Lyft", "LYFT *RIDE SUN 5PM", 4121, "Transportation", 800, 4200, true, 3},
	{"Delta Air Lines", "DELTA AIR 0062345678901", 3058, "Travel", 18000, 65000, false, 1},
	{"Marriott", "MARRIOTT SF MARQUIS", 7011, "Travel", 19000, 52000, false, 1},
	{"AMC Theatres", "AMC 9640 ONLINE", 7832, "Entertainment", 1400, 4800, false, 2},
	{"Best Buy", "BESTBUY 00003921", 5732, "Electronics", 2000, 90000, false, 1},
	{"Apple", "APPLE.COM/BILL", 5732, "Electronics", 99, 2999, false, 2},
}

var merchantWeightSum = func() int {
	n := 0
	for _, m := range merchants {
		n += m.weight
	}
	return n
}()

// subscription is a recurring monthly card charge.
type subscription struct {
	name, desc string
	mcc        int32
	category   string
	amount     int64
	day        int
}

var subscriptions = []subscription{
	{"Netflix", "NETFLIX.COM", 4899, "Entertainment", 1549, 7},
	{"Spotify", "SPOTIFY USA", 5815, "Entertainment", 1199, 12},
	{"Equinox", "EQUINOX #114 MEMBERSHIP", 7997, "Health & Fitness", 23500, 1},
	{"The New York Times", "NYTIMES*NYTIMES DIGITAL", 5968, "Subscriptions", 1700, 19},
}

// bill is a recurring monthly bill paid from checking.
type bill struct {
	name, desc string
	mcc        int32
	category   string
	min, max   int64
	day        int
}

var bills = []bill{
	{"PG&E", "PGANDE WEB ONLINE", 4900, "Utilities", 6500, 21000, 15},
	{"Comcast", "COMCAST XFINITY", 4899, "Internet", 7999, 8999, 9},
	{"Verizon Wireless", "VZWRLSS*APOCC VISB", 4814, "Phone", 8500, 9200, 23},
}
