package bot

// A person's home is their own page: what waits for them and what they
// hold. Slack shows it in the App Home's Home tab and Teams in the
// personal chat; the transports ask for it as HomeCommand and turn its
// pages, or draw it again after a click, with HomePage.
const (
	HomeCommand    = "home"
	ActionHomePage = "home.page"
	HomeToken      = "home"
)

// HomePage is the click that draws page of the person's home.
func HomePage(page int) *Action {
	return &Action{ID: ActionHomePage, Value: PageValue(HomeToken, max(page, 1))}
}
