// 登录: phone and password.

import { h, field } from '../ui.js';
import * as auth from '../auth.js';
import { errorText } from '../api.js';
import { begin } from '../session.js';
import { navigate } from '../router.js';

export async function login(ctx) {
  ctx.title('登录');
  const phone = h('input', { type: 'tel', name: 'phone', autocomplete: 'username', inputmode: 'numeric', required: true, maxlength: '20' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn primary block' }, '登录');
  const form = h('form', { class: 'card form', novalidate: true }, field('手机号', phone, { required: true }), field('密码', password, { required: true }), msg, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    if (!phone.value.trim() || !password.value) {
      msg.textContent = '请输入手机号和密码。';
      (phone.value.trim() ? password : phone).focus();
      return;
    }
    button.disabled = true;
    button.textContent = '正在登录…';
    try {
      const user = await auth.signIn(phone.value.trim(), password.value);
      await begin(user, { fresh: true });
      const next = ctx.query.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (err) {
      msg.textContent = err.status === 429 ? '尝试次数过多，请稍后再试。' : errorText(err);
      button.disabled = false;
      button.textContent = '登录';
    }
  });
  ctx.show(
    h('div', { class: 'login' },
      h('h2', {}, '登录'),
      h('p', { class: 'lead' }, '政协委员在一线收集社情民意、协商议题。'),
      form));
}
