package slacktest

import "time"

// Slack's documented limits: Block Kit reference, modal reference and the
// chat.*, views.* and response_url documentation. Every check in this
// package reads its number from here, so a limit changes in one place.
// Lengths count characters (runes), as Slack does, except MaxViewBytes.
const (
	// Message text.
	MaxMessageTextChars = 40000 // chat.postMessage, chat.postEphemeral, response_url
	MaxUpdateTextChars  = 4000  // chat.update's error table applies msg_too_long beyond 4,000
	MaxAttachments      = 100

	// Blocks per surface.
	MaxMessageBlocks = 50
	MaxViewBlocks    = 100 // modals and Home tabs

	// Any block.
	MaxBlockIDChars = 255

	// Text objects anywhere (also the section text limit).
	MaxTextObjectChars = 3000

	// Section, header, context, actions, input, image, markdown blocks.
	MaxSectionTextChars   = 3000
	MaxSectionFields      = 10
	MaxSectionFieldChars  = 2000
	MaxHeaderTextChars    = 150
	MaxContextElements    = 10
	MaxActionsElements    = 25
	MaxInputLabelChars    = 2000
	MaxInputHintChars     = 2000
	MaxImageURLChars      = 3000
	MaxImageAltTextChars  = 2000
	MaxImageTitleChars    = 2000
	MaxMarkdownBlockChars = 12000
	MaxVideoTitleChars    = 200

	// Interactive elements.
	MaxActionIDChars           = 255
	MaxButtonTextChars         = 75
	MaxButtonValueChars        = 2000
	MaxButtonURLChars          = 3000
	MaxAccessibilityLabelChars = 75
	MaxPlaceholderChars        = 150
	MaxSelectOptions           = 100
	MaxSelectOptionGroups      = 100
	MaxOptionTextChars         = 75
	MaxOptionValueChars        = 150
	MaxOptionDescriptionChars  = 75
	MaxOptionGroupLabelChars   = 75
	MinOverflowOptions         = 2
	MaxOverflowOptions         = 5
	MaxCheckboxOptions         = 10
	MaxRadioOptions            = 10
	MaxPlainTextInputLength    = 3000 // min_length and max_length bound

	// Confirmation dialog object.
	MaxConfirmTitleChars  = 100
	MaxConfirmTextChars   = 300
	MaxConfirmButtonChars = 30

	// Views.
	MaxViewTitleChars       = 24
	MaxViewSubmitChars      = 24
	MaxViewCloseChars       = 24
	MaxPrivateMetadataChars = 3000
	MaxCallbackIDChars      = 255
	MaxExternalIDChars      = 255
	MaxViewBytes            = 250_000 // "250 kB"; view_too_large

	// conversations.open: 1 user is a DM, 2-8 an MPIM.
	MaxConversationUsers = 8

	// users.list: Slack advises at most 200 a page and refuses more than
	// 1,000.
	MaxUsersListLimit = 1000

	// Interactivity.
	TriggerIDLifetime   = 3 * time.Second
	ResponseURLMaxUses  = 5
	ResponseURLLifetime = 30 * time.Minute
)

// tierLimits are the per-minute minimums of the documented rate-limit tiers
// for the emulated methods (Tier 2: 20, Tier 3: 50, Tier 4: 100).
// auth.test is "special" with no published number and left unlimited;
// chat.postMessage is "special" too, and paced per channel and across the
// workspace instead (WithTierRateLimits).
func tierLimits() map[string]int {
	return map[string]int{
		"chat.update":        50,
		"conversations.open": 50,
		// conversations.history and .replies are Tier 3 for apps in the
		// Marketplace or built for one workspace; Slack limits newer
		// commercially distributed apps further.
		"conversations.history": 50,
		"conversations.replies": 50,
		"users.lookupByEmail":   50,
		"users.list":            20, // Tier 2
		"users.info":            100,
		"chat.postEphemeral":    100,
		"views.open":            100,
		"views.update":          100,
		"views.publish":         100,
		// Tier 4 (100+ a minute).
		"files.getUploadURLExternal":   100,
		"files.completeUploadExternal": 100,
	}
}
