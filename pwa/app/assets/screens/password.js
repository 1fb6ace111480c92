// 修改密码: for everyone from 我的, and the only screen a user sees while their password is
// one an admin chose (must_change_password) — the server refuses everything else until then.

import { h, field, showError, toast } from '../ui.js';
import * as api from '../api.js';
import * as auth from '../auth.js';
import { state } from '../state.js';
import { begin, end } from '../session.js';
import { navigate } from '../router.js';

const RULE = '至少 10 个字符，不能是常见密码，不能包含手机号。';

export async function password(ctx) {
  const forced = !!state.user.must_change_password;
  ctx.title('修改密码');
  const old = h('input', { type: 'password', name: 'old_password', autocomplete: 'current-password', required: true });
  const fresh = h('input', { type: 'password', name: 'new_password', autocomplete: 'new-password', required: true, minlength: '10' });
  const again = h('input', { type: 'password', name: 'new_password_again', autocomplete: 'new-password', required: true });
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn primary block' }, '保存新密码');
  const form = h('form', { class: 'card form', novalidate: true },
    field(forced ? '管理员给你的密码' : '当前密码', old, { required: true }),
    field('新密码', fresh, { required: true, hint: RULE }),
    field('再次输入新密码', again, { required: true }),
    msg, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    for (const c of [old, fresh, again]) showError(c, '');
    if (!old.value) return showError(old, '请输入当前密码。'), old.focus();
    if (fresh.value.length < 10) return showError(fresh, '新密码' + RULE), fresh.focus();
    if (fresh.value !== again.value) return showError(again, '两次输入的新密码不一致。'), again.focus();
    button.disabled = true;
    try {
      await api.send('POST', '/api/v1/me/password', { old_password: old.value, new_password: fresh.value });
    } catch (err) {
      button.disabled = false;
      const f = err.fields || {};
      if (f.old_password) return showError(old, '当前密码不正确。'), old.focus();
      if (f.new_password) return showError(fresh, '新密码不可用：' + RULE + '也不能与当前密码相同。'), fresh.focus();
      msg.textContent = api.errorText(err);
      return;
    }
    const user = { ...state.user, must_change_password: false };
    await auth.saveUser(user);
    toast('密码已修改。其他设备上的登录已退出。');
    if (forced) await begin(user, { fresh: true });
    else state.user = user;
    navigate(forced ? '/' : '/me', { replace: true });
  });
  const out = h('button', { type: 'button', class: 'btn block' }, '退出登录');
  // Unsent records stay: they are this user's, and go once they sign in again.
  out.addEventListener('click', () => end({ clear: false }));
  ctx.show(
    h('h2', {}, '修改密码'),
    forced ? h('p', { class: 'notice warn', 'data-testid': 'must-change' }, '你的密码是管理员设置的。请先设置只有你自己知道的新密码，然后才能使用。') : null,
    form,
    forced ? out : h('p', {}, h('a', { href: '/me' }, '返回')));
}
