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
		ActivityID  string `json:"activity_id"`
		Kind        string `json:"kind"`
		Place       string `json:"place"`
		Unit        string `json:"unit"`
		UnitStatus  string `json:"unit_status"`
		Note        string `json:"note"`
		Comment     string `json:"comment"`
		From, To    string
	}
	_ = json.Unmarshal(ev.Payload, &d)
	link = "/notices"
	if d.ActivityID != "" {
		link = "/activities/" + url.PathEscape(d.ActivityID)
	} else if d.TopicID != "" {
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
	case models.EventActivityInvited, models.EventActivityReminder:
		what := models.KindWords.Name(d.Kind)
		if t != "" {
			what = "议题" + t + "的" + what
		}
		body = "邀请你参加" + what
		if ev.Type == models.EventActivityReminder {
			body = "明天请参加" + what
		}
		if d.Place != "" {
			body += "，地点：" + d.Place
		}
	case models.EventActivityLeave:
		body = d.Name + "请假，不参加活动" + t
		if d.Reason != "" {
			body += "：" + d.Reason
		}
	case models.EventUnitReplied:
		unit := d.Unit
		if unit == "" {
			unit = "承办单位"
		}
		body = unit + "答复了议题" + t + "的意见建议：" + models.UnitReplyWords.Name(d.UnitStatus)
		if d.Note != "" {
			body += "。" + d.Note
		}
	case models.EventRatingUnsatisfied:
		body = "有群众对议题" + t + "的办理结果表示不满意"
		if d.Comment != "" {
			body += "：" + d.Comment
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
