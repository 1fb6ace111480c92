package models

import "fmt"

// Topic statuses, in the order a topic normally moves through them.
const (
	TopicDraft     = "draft"
	TopicInReview  = "in_review"
	TopicReturned  = "returned"
	TopicApproved  = "approved"
	TopicRejected  = "rejected"
	TopicPlanned   = "planned"
	TopicConsulted = "consulted"
	TopicConcluded = "concluded"
	TopicClosed    = "closed"
)

// TopicStatuses lists every status.
var TopicStatuses = []string{TopicDraft, TopicInReview, TopicReturned, TopicApproved, TopicRejected, TopicPlanned, TopicConsulted, TopicConcluded, TopicClosed}

// Topic actions. A review decision is one of approve_one (the first approval of a round),
// approve_both (the second), reject or return.
const (
	ActCreate      = "create"
	ActEdit        = "edit"
	ActSubmit      = "submit"
	ActApproveOne  = "approve_one"
	ActApproveBoth = "approve_both"
	ActReject      = "reject"
	ActReturn      = "return"
	ActPlan        = "plan"
	ActMeet        = "meet"
	ActConclude    = "conclude"
	ActClose       = "close"
)

// Who acts on a topic.
const (
	ActorConvener = "convener" // a convener of the topic's room
	ActorCounty   = "county"   // a county reviewer
	ActorLocal    = "local"    // a local reviewer of the topic's room
	ActorSystem   = "system"   // the server itself (closing a topic when follow-up is done)
	ActorOther    = "other"    // anyone else who can see the topic
)

type transition struct {
	from, action, to string
}

// topicFlow is the topic state machine: every allowed (status, action) and where it leads.
// Nothing else in the code decides whether a topic may move.
var topicFlow = []transition{
	{TopicDraft, ActEdit, TopicDraft},
	{TopicReturned, ActEdit, TopicReturned},
	{TopicDraft, ActSubmit, TopicInReview},
	{TopicReturned, ActSubmit, TopicInReview},
	{TopicInReview, ActApproveOne, TopicInReview},
	{TopicInReview, ActApproveBoth, TopicApproved},
	{TopicInReview, ActReject, TopicRejected},
	{TopicInReview, ActReturn, TopicReturned},
	{TopicApproved, ActPlan, TopicPlanned},
	{TopicPlanned, ActPlan, TopicPlanned}, // revising the work plan
	{TopicPlanned, ActMeet, TopicConsulted},
	{TopicConsulted, ActConclude, TopicConcluded},
	{TopicConcluded, ActClose, TopicClosed},
}

// topicActors says who may take each action, whatever the status.
var topicActors = map[string][]string{
	ActEdit:        {ActorConvener},
	ActSubmit:      {ActorConvener},
	ActApproveOne:  {ActorCounty, ActorLocal},
	ActApproveBoth: {ActorCounty, ActorLocal},
	ActReject:      {ActorCounty, ActorLocal},
	ActReturn:      {ActorCounty, ActorLocal},
	ActPlan:        {ActorConvener},
	ActMeet:        {ActorConvener},
	ActConclude:    {ActorConvener},
	ActClose:       {ActorSystem},
}

// TopicActions lists every action of the state machine.
func TopicActions() []string {
	out := make([]string, 0, len(topicActors))
	for _, t := range topicFlow {
		if !oneOf(t.action, out...) {
			out = append(out, t.action)
		}
	}
	return out
}

// TopicStep decides one move: the status a topic in from reaches when actor takes action.
// An actor who may never take the action is forbidden; an action the status does not allow
// is a wrong-state conflict.
func TopicStep(from, action, actor string) (string, error) {
	actors, known := topicActors[action]
	if !known {
		return "", fmt.Errorf("models: unknown topic action %q", action)
	}
	if !oneOf(actor, actors...) {
		return "", Errorf(CodeForbidden, "you may not %s this topic", humanAction(action))
	}
	for _, t := range topicFlow {
		if t.from == from && t.action == action {
			return t.to, nil
		}
	}
	return "", Errorf(CodeWrongState, "a topic that is %s cannot be %s", from, humanPast(action))
}

func humanAction(a string) string {
	switch a {
	case ActApproveOne, ActApproveBoth:
		return "approve"
	}
	return a
}

func humanPast(a string) string {
	switch a {
	case ActEdit:
		return "edited"
	case ActSubmit:
		return "submitted"
	case ActApproveOne, ActApproveBoth:
		return "approved"
	case ActReject:
		return "rejected"
	case ActReturn:
		return "returned"
	case ActPlan:
		return "given a work plan"
	case ActMeet:
		return "consulted on"
	case ActConclude:
		return "concluded"
	case ActClose:
		return "closed"
	}
	return a
}
