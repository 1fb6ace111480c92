package notify

import (
	"encoding/json"
	"net/url"
	"unicode/utf8"

	"frontline/models"
)

// maxBody bounds a notice's text, in characters: a lock screen shows two lines.
const maxBody = 120

// Describe words an event as a short notice: a title, a sentence and the app's page to open.
// It says no more than the notice says in the app (app/assets/notice-text.js).
func Describe(ev models.Event) (title, body, link string) {
	var d struct {
		TopicID     string `json:"topic_id"`
		Title       string `json:"title"`
		Body        string `json:"body"`
		Decision    string `json:"decision"`
		TopicStatus string `json:"topic_status"`
		Name        string `json:"name"`
		Reason      string `json:"reason"`
		From, To    string
	}
	_ = json.Unmarshal(ev.Payload, &d)
	link = "/notices"
	if d.TopicID != "" {
		link = "/topics/" + url.PathEscape(d.TopicID)
	}
	t := ""
	if d.Title != "" {
		t = "「" + d.Title + "」"
	}
	title = models.PushKindWords.Name(ev.Type)
	switch ev.Type {
	case models.EventReviewDecided:
		body = "议题" + t + "：" + models.BodyWords.Name(d.Body) + models.DecisionWords.Name(d.Decision)
		switch d.TopicStatus {
		case models.TopicApproved:
			body += "。两方审核均已同意，议题通过。"
		case models.TopicReturned:
			body += "。请修改后重新提交。"
		case models.TopicRejected:
			body += "。议题未通过。"
		}
	case models.EventTopicStatusChanged:
		body = "议题" + t + "状态：" + models.TopicWords.Name(d.From) + " → " + models.TopicWords.Name(d.To)
	case models.EventTopicSubmitted:
		body = "新议题" + t + "已提交，等待审核"
	case models.EventOpinionAdopted:
		body = "你收集的一条民意已被采纳为议题"
	case models.EventAnnouncement:
		body = d.Title
		if d.Body != "" {
			body += "。" + d.Body
		}
	case models.EventPlanPublished:
		body = "议题" + t + "的工作方案已发布"
	case models.EventRecommendationDue:
		body = "议题" + t + "有意见建议已逾期"
	case models.EventTopicClosed:
		body = "议题" + t + "已办结，感谢你的反映"
	case ActivityReminder:
		title, body = "活动提醒", "明天有一项你受邀参加的活动"
		if d.Title != "" {
			body = "明天有活动" + t + "，请准时参加"
		}
	case models.EventActivityLeave:
		body = d.Name + "请假，不参加活动" + t
		if d.Reason != "" {
			body += "：" + d.Reason
		}
	default:
		title, body = "新消息", "新消息"+t
	}
	return title, clip(body, maxBody), link
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
