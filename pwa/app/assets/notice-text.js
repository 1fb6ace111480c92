// The words of a notice: what an event says to the person who receives it.

import { label, fmtTime } from './ui.js';

export function describe(type, d = {}) {
  const topic = d.topic_id ? '/topics/' + encodeURIComponent(d.topic_id) : '';
  const t = d.title ? '「' + d.title + '」' : '';
  switch (type) {
    case 'review.decided': {
      let text = '议题' + t + '：' + label('body', d.body) + label('decision', d.decision);
      if (d.comment) text += '，意见：' + d.comment;
      if (d.topic_status === 'approved') text += '。两方审核均已同意，议题通过。';
      else if (d.topic_status === 'returned') text += '。请修改后重新提交。';
      else if (d.topic_status === 'rejected') text += '。议题未通过。';
      return { text, href: topic };
    }
    case 'topic.status_changed':
      return { text: '议题' + t + '状态：' + label('topic', d.from) + ' → ' + label('topic', d.to), href: topic };
    case 'topic.submitted':
      return { text: '新议题' + t + '已提交，等待审核', href: topic };
    case 'opinion.adopted':
      return { text: '你收集的一条民意已被采纳为议题', href: topic };
    case 'announcement':
      return { text: '通知：' + (d.title || '') + (d.body ? '。' + d.body : ''), href: '' };
    case 'plan.published':
      return { text: '议题' + t + '的工作方案已发布', href: topic };
    case 'recommendation.overdue':
      return { text: '议题' + t + '有意见建议已逾期', href: topic };
    case 'topic.closed':
      return { text: '议题' + t + '已办结，感谢你的反映', href: topic };
    case 'activity.invited':
    case 'activity.reminder': {
      const when = d.held_at ? fmtTime(d.held_at) : '';
      const what = (t ? '议题' + t + '的' : '') + label('kind', d.kind);
      const head = type === 'activity.invited' ? '邀请你参加' : '明天请参加';
      return { text: head + what + '：' + when + (d.place ? '，地点：' + d.place : ''), href: d.activity_id ? '/activities/' + encodeURIComponent(d.activity_id) : topic };
    }
    case 'activity.leave': {
      const what = (t ? '议题' + t + '的' : '') + label('kind', d.kind) + (d.held_at ? '（' + fmtTime(d.held_at) + '）' : '');
      return { text: (d.name || '一位委员') + '请假，不参加' + what + (d.reason ? '：' + d.reason : ''), href: d.activity_id ? '/activities/' + encodeURIComponent(d.activity_id) : topic };
    }
    case 'recommendation.unit_replied':
      return { text: (d.unit || '承办单位') + '答复了议题' + t + '的意见建议：' + label('unitReply', d.unit_status) + (d.note ? '。' + d.note : ''), href: topic };
    case 'rating.unsatisfied':
      return { text: '有群众对议题' + t + '的办理结果表示不满意' + (d.comment ? '：' + d.comment : ''), href: topic };
    default:
      return { text: '新消息' + t, href: topic };
  }
}
