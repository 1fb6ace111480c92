package models

import "regexp"

// The words of the programme: every list of codes the server accepts or sends, with the
// Chinese name people see, and the limits a value from outside must keep. They are defined
// here once; the ledgers, the audit export and the app (through a module generated from
// them, see pwa.WordsModule) all read them, so a code is named the same way everywhere.

// Word is one code with its Chinese name.
type Word struct {
	Code, Name string
}

// Words is an ordered list of codes with their names; the order is the one people see.
type Words []Word

// Codes lists the codes in order.
func (ws Words) Codes() []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Code
	}
	return out
}

// Map gives the name of each code.
func (ws Words) Map() map[string]string {
	m := make(map[string]string, len(ws))
	for _, w := range ws {
		m[w.Code] = w.Name
	}
	return m
}

// Name is the Chinese name of code, or code itself when it has none.
func (ws Words) Name(code string) string {
	for _, w := range ws {
		if w.Code == code {
			return w.Name
		}
	}
	return code
}

// Has reports whether code is one of the list.
func (ws Words) Has(code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

// The named lists.
var (
	LevelWords = Words{{LevelTownship, "乡镇"}, {LevelSubdistrict, "街道"}, {LevelCommunity, "社区"},
		{LevelVillage, "村"}, {LevelEnterprise, "企事业单位"}, {LevelSector, "界别"}}
	RoomRoleWords = Words{{RoomConvener, "召集人"}, {RoomMember, "委员"}, {RoomLocalReviewer, "属地审核"}}
	RoleWords     = Words{{RoleAdmin, "管理员"}, {RoleReviewer, "审核人"}, {RoleMember, "委员"}}
	BodyWords     = Words{{BodyCounty, "县政协党组"}, {BodyLocal, "所在地党委（党组）"}}
	ChannelWords  = Words{{ChannelDoorToDoor, "入户走访"}, {ChannelForum, "群众座谈"}, {ChannelOnline, "网络征集"}}
	OpinionWords  = Words{{OpinionNew, "待筛选"}, {OpinionAdopted, "已采纳"}, {OpinionDismissed, "未采纳"}}
	TopicWords    = Words{{TopicDraft, "草稿"}, {TopicInReview, "审核中"}, {TopicReturned, "退回修改"},
		{TopicApproved, "已通过"}, {TopicRejected, "未通过"}, {TopicPlanned, "已制定方案"}, {TopicConsulted, "已协商"},
		{TopicConcluded, "已形成成果"}, {TopicClosed, "已办结"}}
	SourceWords    = Words{{SourceCollected, "收集筛选"}, {SourceRecommended, "委员推荐"}, {SourceAssigned, "上级交办"}}
	DecisionWords  = Words{{DecisionApprove, "同意"}, {DecisionReturn, "退回修改"}, {DecisionReject, "不予通过"}}
	RecWords       = Words{{RecPending, "待办理"}, {RecInProgress, "办理中"}, {RecDone, "已办结"}, {RecNotAdopted, "未采纳"}}
	UnitReplyWords = Words{{UnitAccepted, "已接收，将办理"}, {UnitInProgress, "正在办理"}, {UnitDone, "已办结"}, {UnitRejected, "无法采纳"}}
	RatingWords    = Words{{RatingSatisfied, "满意"}, {RatingBasicallySatisfied, "基本满意"}, {RatingUnsatisfied, "不满意"}}
	KindWords      = Words{{KindVisit, "走访"}, {KindForum, "座谈"}, {KindResearch, "调研"},
		{KindConsultation, "协商会"}, {KindTraining, "培训"}}
	PhotoLabelWords = Words{{PhotoBefore, "整改前"}, {PhotoAfter, "整改后"}}
	// AttendanceWords name the statuses of attendance; invited is never stored: it is how
	// a user invited to an activity that has not started yet, with no row, is listed.
	AttendanceWords  = Words{{AttendPresent, "出席"}, {AttendLeave, "请假"}, {AttendAbsent, "缺席"}, {AttendInvited, "待签到"}}
	ViaWords         = Words{{ViaQR, "扫码签到"}, {ViaConvener, "召集人登记"}, {ViaMember, "本人请假"}}
	AuditActionWords = Words{
		{AuditSignIn, "登录"}, {AuditSignInFailed, "登录失败"}, {AuditUserCreate, "新建用户"},
		{AuditUserUpdate, "修改用户"}, {AuditUserDisable, "停用用户"},
		{AuditUserImport, "批量导入用户"}, {AuditFirstAdmin, "首次设置管理员"}, {AuditRoomCreate, "新建议事室"},
		{AuditRoomUpdate, "修改议事室"}, {AuditMemberSet, "设置成员"}, {AuditMemberRemove, "移除成员"},
		{AuditCategoryCreate, "新增分类"}, {AuditAnnouncement, "发布公告"}, {AuditExport, "导出"},
		{AuditContactRead, "查看群众联系方式"}, {AuditResidentsErased, "清除群众个人信息"},
		{AuditLogPruned, "清理过期审计日志"}, {AuditCreditRules, "修改积分规则"}, {AuditCreditRescore, "重算年度积分"},
		{AuditUnitLinkIssue, "发放承办单位答复链接"}, {AuditUnitLinkRevoke, "收回承办单位答复链接"},
	}
	AuditKindWords = Words{{AuditKindUser, "用户"}, {AuditKindRoom, "议事室"}, {AuditKindCategory, "分类"},
		{AuditKindAnnouncement, "公告"}, {AuditKindExport, "台账"}, {AuditKindOpinion, "民意"},
		{AuditKindCreditRules, "积分规则"}, {AuditKindRecommendation, "意见建议"}}
	CreditWords = Words{{CreditOpinionCollected, "收集民意"}, {CreditOpinionAdopted, "民意被采纳"},
		{CreditTopicLed, "牵头议题"}, {CreditResearchAttended, "参加调研"}, {CreditMeetingAttended, "参加协商会"},
		{CreditActivityAttended, "参加活动"}, {CreditRecommendationDone, "建议办结"}}
	CreditSourceWords = Words{{CreditSourceOpinion, "民意"}, {CreditSourceTopic, "议题"},
		{CreditSourceActivity, "活动"}, {CreditSourceRecommendation, "意见建议"}}
	TopicPartWords = Words{{TopicPartLead, "牵头"}, {TopicPartParticipant, "参加"}, {TopicPartContributor, "提供民意"}}
	// TopicActionWords name the steps of a topic's history (TopicHistory.Action): its
	// creation and every action of the state machine.
	TopicActionWords = Words{{ActCreate, "起草"}, {ActEdit, "修改"}, {ActSubmit, "提交审核"},
		{ActApproveOne, "一方同意"}, {ActApproveBoth, "双方同意"}, {ActReject, "不予通过"}, {ActReturn, "退回修改"},
		{ActPlan, "制定工作方案"}, {ActMeet, "召开协商会"}, {ActConclude, "形成协商成果"}, {ActClose, "办结"}}
	// ReceiptStepWords name the steps of the path a resident follows by receipt code, in
	// plain words.
	ReceiptStepWords = Words{{StepReceived, "意见已收到"}, {StepInTopic, "纳入协商议题"}, {StepApproved, "议题通过审核"},
		{StepResearched, "开展调研"}, {StepConsulted, "召开协商会"}, {StepRecommendations, "形成意见建议，交有关单位办理"},
		{StepClosed, "办结"}}
)

// DefaultCountyName names the county on the public pages and printed records until
// FRONTLINE_COUNTY_NAME gives its own (such as "某某县政协").
const DefaultCountyName = "县政协"

// EventTypes lists the kinds of stored event a user may receive as a notice. The stream
// also sends EventResync, which is no notice: it tells the client to reload.
var EventTypes = []string{EventReviewDecided, EventTopicStatusChanged, EventTopicSubmitted, EventOpinionAdopted,
	EventAnnouncement, EventPlanPublished, EventRecommendationDue, EventTopicClosed, EventActivityInvited, EventActivityReminder,
	EventActivityLeave, EventUnitReplied, EventRatingUnsatisfied}

// PushKindWords are the kinds of notice a user may choose to receive by Web Push when the
// app is closed, with the names the settings screen shows: every notice the stream carries.
var PushKindWords = Words{{EventReviewDecided, "审核结果"}, {EventTopicStatusChanged, "议题进展"},
	{EventTopicSubmitted, "待审核议题"}, {EventOpinionAdopted, "民意被采纳"}, {EventAnnouncement, "通知公告"},
	{EventPlanPublished, "工作方案发布"}, {EventRecommendationDue, "意见建议逾期"}, {EventTopicClosed, "议题办结"},
	{EventActivityInvited, "活动邀请"}, {EventActivityReminder, "活动提醒"}, {EventActivityLeave, "请假"},
	{EventUnitReplied, "承办单位答复"}, {EventRatingUnsatisfied, "群众不满意"}}

// Patterns of the phone numbers the server accepts: a member's (a mobile number, it signs
// in) and a resident's (a mobile or a landline with its area code).
const (
	MemberPhonePattern   = `^1[3-9][0-9]{9}$`
	ResidentPhonePattern = `^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`
)

var (
	phonePattern         = regexp.MustCompile(MemberPhonePattern)
	residentPhonePattern = regexp.MustCompile(ResidentPhonePattern)
)

// ForbiddenRunes are the ranges of characters text from outside must not carry (both ends
// included): C0 controls, DEL and C1 controls, line and paragraph separators, bidirectional
// embeddings, overrides and isolates. Multi-line text may still hold MultilineRunes.
var ForbiddenRunes = [][2]rune{{0x00, 0x1f}, {0x7f, 0x9f}, {0x2028, 0x2029}, {0x202a, 0x202e}, {0x2066, 0x2069}}

// MultilineRunes are the control characters multi-line text may hold: line feed and tab.
var MultilineRunes = []rune{'\n', '\t'}

// Longest texts, in characters, by field.
const (
	MaxUserName          = 50
	MaxSector            = 50  // users.sector (界别)
	MaxUnit              = 100 // users.unit (单位/乡镇)
	MaxRoomName          = 100
	MaxAddress           = 200
	MaxRules             = 20000
	MaxCategory          = maxCategoryRunes
	MaxOpinionContent    = 5000
	MaxResidentName      = 50
	MaxDismissReason     = 500
	MaxTopicTitle        = 100
	MaxTopicDescription  = 20000
	MaxReviewComment     = 5000
	MaxPlanTheme         = 200
	MaxPlanLead          = 100
	MaxPlanText          = 20000
	MaxScheduleItem      = 500
	MaxGuestName         = 50
	MaxGuestUnit         = 100
	MaxPlace             = 200
	MaxSummary           = 50000
	MaxAttendee          = 100
	MaxConsensus         = 50000
	MaxRecContent        = 5000
	MaxRecUnit           = 100
	MaxRecContact        = 100
	MaxProgressNote      = 5000
	MaxProgressReason    = 5000
	MaxAnnouncementTitle = 100
	MaxAnnouncementBody  = 5000
	MaxCountyName        = 50
	MaxAttendanceReason  = 500
)

// Limits names the longest texts for the app, by form and field.
var Limits = []struct {
	Name string
	Max  int
}{
	{"user_name", MaxUserName}, {"sector", MaxSector}, {"unit", MaxUnit}, {"room_name", MaxRoomName}, {"address", MaxAddress}, {"rules", MaxRules},
	{"category", MaxCategory}, {"opinion_content", MaxOpinionContent}, {"resident_name", MaxResidentName},
	{"dismiss_reason", MaxDismissReason}, {"topic_title", MaxTopicTitle}, {"topic_description", MaxTopicDescription},
	{"review_comment", MaxReviewComment}, {"plan_theme", MaxPlanTheme}, {"plan_lead", MaxPlanLead},
	{"plan_text", MaxPlanText}, {"schedule_item", MaxScheduleItem}, {"guest_name", MaxGuestName},
	{"guest_unit", MaxGuestUnit}, {"place", MaxPlace}, {"summary", MaxSummary}, {"attendee", MaxAttendee},
	{"consensus", MaxConsensus}, {"rec_content", MaxRecContent}, {"rec_unit", MaxRecUnit},
	{"rec_contact", MaxRecContact}, {"progress_note", MaxProgressNote}, {"progress_reason", MaxProgressReason},
	{"announcement_title", MaxAnnouncementTitle}, {"announcement_body", MaxAnnouncementBody},
	{"attendance_reason", MaxAttendanceReason},
	{"rating_comment", MaxRatingComment},
}
