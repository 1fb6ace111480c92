package models

import (
	"testing"
)

// TestTopicStepIsExhaustive walks every (status, action, actor) and checks TopicStep against
// the rules written out independently here: who may take each action at all, and from which
// status it is allowed.
func TestTopicStepIsExhaustive(t *testing.T) {
	allowedFrom := map[string]map[string]string{ // action → from → to
		ActEdit:        {TopicDraft: TopicDraft, TopicReturned: TopicReturned},
		ActSubmit:      {TopicDraft: TopicInReview, TopicReturned: TopicInReview},
		ActApproveOne:  {TopicInReview: TopicInReview},
		ActApproveBoth: {TopicInReview: TopicApproved},
		ActReject:      {TopicInReview: TopicRejected},
		ActReturn:      {TopicInReview: TopicReturned},
		ActPlan:        {TopicApproved: TopicPlanned, TopicPlanned: TopicPlanned},
		ActMeet:        {TopicPlanned: TopicConsulted},
		ActConclude:    {TopicConsulted: TopicConcluded},
		ActClose:       {TopicConcluded: TopicClosed},
	}
	mayAct := map[string][]string{
		ActorConvener: {ActEdit, ActSubmit, ActPlan, ActMeet, ActConclude},
		ActorCounty:   {ActApproveOne, ActApproveBoth, ActReject, ActReturn},
		ActorLocal:    {ActApproveOne, ActApproveBoth, ActReject, ActReturn},
		ActorSystem:   {ActClose},
		ActorOther:    {},
	}
	if len(TopicActions()) != len(allowedFrom) {
		t.Fatalf("the machine has actions %v; this test knows %d", TopicActions(), len(allowedFrom))
	}
	for _, from := range TopicStatuses {
		for _, action := range TopicActions() {
			for actor, actions := range mayAct {
				to, err := TopicStep(from, action, actor)
				wantTo, stateOK := allowedFrom[action][from]
				switch {
				case !oneOf(action, actions...):
					if ErrorCode(err) != CodeForbidden {
						t.Errorf("%s %s by %s: %v, want forbidden", from, action, actor, err)
					}
				case !stateOK:
					if ErrorCode(err) != CodeWrongState {
						t.Errorf("%s %s by %s: %v, want wrong state", from, action, actor, err)
					}
				default:
					if err != nil || to != wantTo {
						t.Errorf("%s %s by %s: %q %v, want %q", from, action, actor, to, err, wantTo)
					}
				}
			}
		}
	}
	if _, err := TopicStep(TopicDraft, "teleport", ActorConvener); err == nil || ErrorCode(err) != "" {
		t.Errorf("an unknown action must be a programming error, got %v", err)
	}
	for _, st := range []string{TopicRejected, TopicClosed} {
		for _, a := range TopicActions() {
			for actor := range mayAct {
				if _, err := TopicStep(st, a, actor); err == nil {
					t.Errorf("%s is final, but %s by %s moved it", st, a, actor)
				}
			}
		}
	}
}
