package models

import (
	"slices"
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

// TestTopicActionsNamed keeps every step a topic's history may record named in Chinese, so
// the history on screen and in print never shows a code.
func TestTopicActionsNamed(t *testing.T) {
	for _, a := range append([]string{ActCreate}, TopicActions()...) {
		if !TopicActionWords.Has(a) || TopicActionWords.Name(a) == a {
			t.Errorf("topic action %q has no name in TopicActionWords", a)
		}
	}
	if len(TopicActionWords) != len(TopicActions())+1 {
		t.Errorf("TopicActionWords has %d words, the history %d actions", len(TopicActionWords), len(TopicActions())+1)
	}
}

// TestReceiptStepsNamed keeps every step of a receipt's path named for the resident.
func TestReceiptStepsNamed(t *testing.T) {
	steps := []string{StepReceived, StepInTopic, StepApproved, StepResearched, StepConsulted, StepRecommendations, StepClosed}
	for _, s := range steps {
		if !ReceiptStepWords.Has(s) || ReceiptStepWords.Name(s) == s {
			t.Errorf("receipt step %q has no name in ReceiptStepWords", s)
		}
	}
	if got := ReceiptStepWords.Codes(); !slices.Equal(got, steps) {
		t.Errorf("ReceiptStepWords in the path's order: %v, want %v", got, steps)
	}
}
