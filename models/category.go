package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultCategories is the starting list of opinion categories from the product.
var DefaultCategories = []string{"环境卫生", "交通出行", "营商环境", "产业发展", "项目建设", "城市更新", "乡村振兴", "医疗卫生", "教育", "社会保障", "其他"}

// Category is one configured opinion category.
type Category struct {
	Name      string    `json:"name" gorm:"primaryKey"`
	Position  int       `json:"position"`
	CreatedAt time.Time `json:"created_at"`
}

// seedCategories fills the list on a new database only, so an admin's edits survive restarts.
func (s *Store) seedCategories(ctx context.Context) error {
	var n int64
	if err := s.conn(ctx).Model(&Category{}).Count(&n).Error; err != nil {
		return fmt.Errorf("models: count categories: %w", err)
	}
	if n > 0 {
		return nil
	}
	now := s.now()
	rows := make([]Category, len(DefaultCategories))
	for i, name := range DefaultCategories {
		rows[i] = Category{Name: name, Position: i + 1, CreatedAt: now}
	}
	if err := s.conn(ctx).Create(&rows).Error; err != nil && !isDuplicate(err) {
		return fmt.Errorf("models: seed categories: %w", err)
	}
	return nil
}

// ListCategories returns the categories in their configured order.
func (s *Store) ListCategories(ctx context.Context) ([]Category, error) {
	var out []Category
	if err := s.conn(ctx).Order("position, name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: list categories: %w", err)
	}
	return out, nil
}

// CategoryExists reports whether name is a configured category.
func (s *Store) CategoryExists(ctx context.Context, name string) (bool, error) {
	var n int64
	if err := s.conn(ctx).Model(&Category{}).Where("name = ?", name).Count(&n).Error; err != nil {
		return false, fmt.Errorf("models: find category: %w", err)
	}
	return n > 0, nil
}

// maxCategoryRunes is the longest name of a category.
const maxCategoryRunes = 20

// AddCategory appends a category at the end of the list.
func (s *Store) AddCategory(ctx context.Context, name string) (*Category, error) {
	name = strings.TrimSpace(name)
	p := Problems{}
	if name == "" || utf8.RuneCountInString(name) > maxCategoryRunes {
		p.Add("name", fmt.Sprintf("must be 1 to %d characters", maxCategoryRunes))
	}
	CheckText(p, "name", name, maxCategoryRunes, false)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var c *Category
	err := s.Tx(ctx, func(tx *Store) error {
		var maxPos int
		if err := tx.conn(ctx).Model(&Category{}).Select("COALESCE(MAX(position), 0)").Scan(&maxPos).Error; err != nil {
			return err
		}
		c = &Category{Name: name, Position: maxPos + 1, CreatedAt: tx.now()}
		return tx.conn(ctx).Create(c).Error
	})
	if isDuplicate(err) {
		return nil, &Error{Code: CodeConflict, Message: "category exists", Fields: map[string]string{"name": "exists"}}
	}
	if err != nil {
		return nil, fmt.Errorf("models: add category: %w", err)
	}
	return c, nil
}
